// Runs wrk (Debian's package), with request headers when asked, and reads its summary: requests/s,
// p50, p99 and failures.
import { captureOutput, exited, start } from './procs.ts';

export interface WrkResult {
  rps: number;
  p50ms: number;
  p99ms: number;
  requests: number;
  /** Non-2xx/3xx responses plus socket errors (connect, read, write, timeout). */
  errors: number;
}

function toMs(value: string | undefined, unit: string | undefined): number {
  if (value === undefined) return Number.NaN;
  const scale = unit === 'us' ? 0.001 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 1;
  return Number(value) * scale;
}

export function parseWrk(out: string): WrkResult {
  const p50 = /^\s*50%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN),
    p50ms: toMs(p50?.[1], p50?.[2]),
    p99ms: toMs(p99?.[1], p99?.[2]),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? Number.NaN),
    errors: Number(non2xx?.[1] ?? 0) + (socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0),
  };
}

/** wrk's `-H` arguments for request headers (one argument pair per header, never a shell string). */
export function headerArgs(headers: Readonly<Record<string, string>>): string[] {
  const args: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[!#$%&'*+.^`|~\w-]+$/.test(name) || /[\r\n]/.test(value))
      throw new Error(`not a header wrk can send: ${JSON.stringify(name)}`);
    args.push('-H', `${name}: ${value}`);
  }
  return args;
}

/** One wrk run: 2 threads (fewer when there are fewer connections), with `headers` on every
 *  request. */
export async function wrk(
  url: string,
  connections: number,
  seconds: number,
  headers: Readonly<Record<string, string>> = {},
): Promise<WrkResult> {
  const threads = Math.min(2, connections);
  const child = start('wrk', [
    '-t',
    String(threads),
    '-c',
    String(connections),
    '-d',
    `${seconds}s`,
    '--timeout',
    '5s',
    '--latency',
    ...headerArgs(headers),
    url,
  ]);
  const output = captureOutput(child);
  await exited(child);
  if (child.exitCode !== 0) throw new Error(`wrk exited with ${child.exitCode}: ${output().slice(0, 500)}`);
  return parseWrk(output());
}
