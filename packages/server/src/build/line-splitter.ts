// Cuts a byte stream (or text) into lines for the build log: \n, \r\n and a lone \r (progress bars) end a
// line; very long lines are cut into pieces so one line cannot hold unbounded memory.
import { StringDecoder } from 'node:string_decoder';

export const MAX_LINE_CHARS = 8192;

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private lastWasCr = false;

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: Buffer): void {
    this.feed(this.decoder.write(chunk));
  }

  /** Text already decoded (a run's output frames). */
  write(text: string): void {
    this.feed(text);
  }

  end(): void {
    this.feed(this.decoder.end());
    if (this.pending !== '') this.emit(this.pending);
    this.pending = '';
  }

  private feed(text: string): void {
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 /* \n */) {
        if (this.lastWasCr && i === start && this.pending === '') {
          // the \n of a \r\n whose \r already ended the line
          start = i + 1;
          this.lastWasCr = false;
          continue;
        }
        this.line(text.slice(start, i));
        start = i + 1;
        this.lastWasCr = false;
      } else if (c === 13 /* \r */) {
        this.line(text.slice(start, i));
        start = i + 1;
        this.lastWasCr = true;
      } else {
        this.lastWasCr = false;
      }
    }
    this.pending += text.slice(start);
    while (this.pending.length > MAX_LINE_CHARS) {
      this.emit(this.pending.slice(0, MAX_LINE_CHARS));
      this.pending = this.pending.slice(MAX_LINE_CHARS);
    }
  }

  private line(rest: string): void {
    this.emit(this.pending + rest);
    this.pending = '';
  }
}
