// What commands print: the API's JSON with --json, otherwise aligned plain tables and
// `Key: value` blocks. Text that came from the server is made safe for a terminal (no control
// characters, so nobody can smuggle escape sequences into someone else's screen).

export interface Output {
  /** Prints one line (or several) to stdout: the command's result. */
  line(text?: string): void;
  /** Prints a note to stderr (progress and hints that scripts reading stdout should not see). */
  note(text: string): void;
  /** Prints a log line from the server (an app's, a deploy's) to stdout, or to stderr as progress. */
  log(text: string, to?: 'stdout' | 'stderr'): void;
  json(value: unknown): void;
  /** Prints one value as one line of JSON (the `--json` form of a log line: NDJSON). */
  jsonLine(value: unknown): void;
  /** Prints rows under a header, columns aligned; `empty` when there are no rows. */
  table(headers: string[], rows: Array<Array<string | number | undefined | null>>, empty: string): void;
  /** Prints `Key:  value` lines, aligned. */
  fields(pairs: Array<[string, string | number | undefined | null]>): void;
}

/** Whether each stream gets colour (terminal.ts decides). */
export interface Colours {
  stdout: boolean;
  stderr: boolean;
}

export function createOutput(
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
  colours: Colours = { stdout: false, stderr: false },
): Output {
  return {
    log(text, to = 'stdout') {
      (to === 'stdout' ? stdout : stderr).write(`${safeLogLine(text, colours[to])}\n`);
    },
    line(text = '') {
      stdout.write(`${text}\n`);
    },
    note(text) {
      stderr.write(`${text}\n`);
    },
    json(value) {
      stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    jsonLine(value) {
      stdout.write(`${JSON.stringify(value)}\n`);
    },
    table(headers, rows, empty) {
      if (rows.length === 0) {
        stdout.write(`${empty}\n`);
        return;
      }
      stdout.write(renderTable(headers, rows));
    },
    fields(pairs) {
      const shown = pairs.filter(([, v]) => v !== undefined && v !== null && v !== '');
      const width = Math.max(...shown.map(([k]) => k.length)) + 2;
      for (const [key, value] of shown) stdout.write(`${`${key}:`.padEnd(width)}${safe(String(value))}\n`);
    },
  };
}

export function renderTable(
  headers: string[],
  rows: Array<Array<string | number | undefined | null>>,
): string {
  const cells = rows.map((row) => row.map((c) => (c === undefined || c === null ? '' : safe(String(c)))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => width(row[i] ?? ''))));
  const render = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - width(cell))))
      .join('  ')
      .trimEnd();
  return `${[render(headers), ...cells.map(render)].join('\n')}\n`;
}

/** Replaces control characters with visible escapes: `\n`, `\t`, `\x1b`. */
export function safe(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\t') return '\\t';
    if (ch === '\r') return '\\r';
    return `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/**
 * A log line for the terminal: colour codes (SGR) stay when the stream gets colour and are dropped
 * otherwise; every other control character is escaped.
 */
export function safeLogLine(text: string, colour = true): string {
  const parts = text.split(SGR);
  return parts.map((part, i) => (i % 2 === 1 ? (colour ? part : '') : safe(part))).join('');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: colour sequences start with ESC
const SGR = /(\x1b\[[0-9;]*m)/;

/** Shortens text to `max` characters, marking the cut with `…`. */
/** A server's error in words: its message, then its stable code in brackets. */
export function errorText(error: { message: string; code: string }): string {
  return `${error.message} (${error.code})`;
}

/** A listing's note on an item: what the platform says of it, then what a person wrote, joined by ': '. */
export function noteText(platform: string, written: string | undefined): string {
  return [platform, written ?? ''].filter(Boolean).join(': ');
}

export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** A byte count for people: `512 B`, `3.4 KiB`, `12.0 MiB`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** `0.4ms`, `12ms`, `1.5s`: a latency as the table shows it. */
export function latencyText(ms: number): string {
  if (ms < 10) return `${Math.round(ms * 10) / 10}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${Math.round(ms / 100) / 10}s`;
}

/** Epoch milliseconds as `2026-11-23 15:04:05Z` (UTC); '' for none. */
export function time(ms: number | undefined | null): string {
  if (ms === undefined || ms === null) return '';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

function width(text: string): number {
  return Array.from(text).length;
}
