// Command line of `npm run bench`: which benchmarks, and how long each measurement runs.
import os from 'node:os';

export const BENCHMARKS = [
  'gateway',
  'gateway-drivers',
  'deploy',
  'zero-downtime',
  'footprint',
  'recovery',
  'cli',
  'console',
  'push',
  'apigw',
] as const;
export type BenchmarkName = (typeof BENCHMARKS)[number];

export interface BenchOptions {
  benchmarks: BenchmarkName[];
  quick: boolean;
  /** Interleaved repetitions of every comparison (at least 3). */
  rounds: number;
  /** Seconds per wrk run. */
  seconds: number;
  /** Rounds of a head-to-head (a setup and its reference, paired round by round; at least 3). */
  pairs: number;
  /** Seconds per wrk run of a head-to-head. */
  pairSeconds: number;
  /** Gateway / nginx worker processes (default: every core). */
  workers: number;
  /** Apps deployed for the footprint benchmark. */
  footprintApps: number;
  /** Apps serving when berthd is killed in the recovery benchmark. */
  recoveryApps: number;
  /** Deploys and rollbacks under load in the zero-downtime benchmark. */
  zdDeploys: number;
  zdRollbacks: number;
}

export const USAGE = `Usage: npm run bench -- [benchmark ...] [options]

Benchmarks (default: all): ${BENCHMARKS.join(', ')}

Options:
  --quick            a smoke run: short wrk runs, fewer apps and deploys (figures are rough)
  --rounds N         interleaved repetitions of every comparison (default 3, at least 3)
  --seconds N        seconds per wrk run (default 10, quick 2)
  --pairs N          rounds of each head-to-head that decides a throughput goal against nginx
                     (default 12, quick 4, at least 3), each run half as long as --seconds (at least 2 s)
  --workers N        gateway and nginx worker processes (default: every core, ${os.availableParallelism()})
  --apps N           apps deployed for the footprint benchmark (default 100, quick 10)
  --help             this text

Needs wrk and nginx (Debian: apt-get install -y wrk nginx-light) for the gateway benchmarks (and
openssl for gateway-drivers), and
Chromium (apt-get install -y chromium) for the console benchmark.
Raw figures are written to bench/results/<timestamp>.json.
`;

export class UsageError extends Error {}

export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  const names: BenchmarkName[] = [];
  const values = new Map<string, string>();
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--quick') {
      quick = true;
    } else if (arg.startsWith('--')) {
      const [key, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      const value = inline ?? argv[++i];
      if (!['rounds', 'seconds', 'workers', 'apps', 'pairs'].includes(key))
        throw new UsageError(`unknown option ${arg}`);
      if (value === undefined || !/^\d+$/.test(value)) throw new UsageError(`${arg} needs a whole number`);
      values.set(key, value);
    } else if ((BENCHMARKS as readonly string[]).includes(arg)) {
      if (!names.includes(arg as BenchmarkName)) names.push(arg as BenchmarkName);
    } else {
      throw new UsageError(`unknown benchmark "${arg}" (choose from ${BENCHMARKS.join(', ')})`);
    }
  }
  const number = (key: string, fallback: number) => Number(values.get(key) ?? fallback);
  const rounds = number('rounds', 3);
  if (rounds < 3) throw new UsageError('--rounds must be at least 3 (medians of interleaved runs)');
  const seconds = Math.max(1, number('seconds', quick ? 2 : 10));
  const pairs = number('pairs', quick ? 4 : 12);
  if (pairs < 3) throw new UsageError('--pairs must be at least 3');
  const workers = number('workers', os.availableParallelism());
  if (workers < 1) throw new UsageError('--workers must be at least 1');
  return {
    benchmarks: names.length ? BENCHMARKS.filter((b) => names.includes(b)) : [...BENCHMARKS],
    quick,
    rounds,
    seconds,
    pairs,
    pairSeconds: Math.max(2, Math.round(seconds / 2)),
    workers,
    footprintApps: Math.max(1, number('apps', quick ? 10 : 100)),
    recoveryApps: quick ? 3 : 10,
    zdDeploys: quick ? 4 : 20,
    zdRollbacks: quick ? 2 : 10,
  };
}
