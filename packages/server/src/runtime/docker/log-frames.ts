// Docker's log stream of a non-TTY container is multiplexed: frames of [stream, 0, 0, 0, size BE32]
// followed by `size` bytes. With `timestamps: true` every line starts with an RFC 3339 time. This
// turns chunks of that stream into lines.
export interface DockerLogLine {
  stream: 'stdout' | 'stderr';
  /** Nanoseconds since the epoch, from Docker's timestamp (0 when there was none). */
  ns: bigint;
  line: string;
}

export function createLogFrameParser(): {
  push(chunk: Buffer): DockerLogLine[];
  end(): DockerLogLine[];
} {
  let pending: Buffer = Buffer.alloc(0);
  const partial = { stdout: '', stderr: '' };
  const take = (stream: 'stdout' | 'stderr', text: string, out: DockerLogLine[]) => {
    const parts = (partial[stream] + text).split('\n');
    partial[stream] = parts.pop() ?? '';
    for (const part of parts) out.push(parseLine(stream, part));
  };
  return {
    push(chunk) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const out: DockerLogLine[] = [];
      while (pending.length >= 8) {
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        const stream = pending[0] === 2 ? 'stderr' : 'stdout';
        take(stream, pending.subarray(8, 8 + size).toString('utf8'), out);
        pending = pending.subarray(8 + size);
      }
      return out;
    },
    end() {
      const out: DockerLogLine[] = [];
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream]) out.push(parseLine(stream, partial[stream]));
        partial[stream] = '';
      }
      return out;
    },
  };
}

const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z /;

function parseLine(stream: 'stdout' | 'stderr', raw: string): DockerLogLine {
  const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const match = TIMESTAMP.exec(text);
  if (!match) return { stream, ns: 0n, line: text };
  const seconds = BigInt(Date.parse(`${match[1]}Z`) / 1000);
  const fraction = BigInt((match[2] ?? '').padEnd(9, '0'));
  return { stream, ns: seconds * 1_000_000_000n + fraction, line: text.slice(match[0].length) };
}

/** Docker's `since` parameter for "after this line": seconds.nanoseconds. */
export function sinceParam(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${seconds}.${fraction}`;
}
