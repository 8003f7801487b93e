// Interleaved wrk runs against several proxies (A B C A B C …, so that a change of the machine's
// state hits every setup alike), their medians, and the table row both gateway benchmarks print.
import type { BenchOptions } from './options.ts';
import { cpuMs, rssBytes } from './procs.ts';
import { count, median, ms, ratio, us } from './stats.ts';
import { type WrkResult, wrk } from './wrk.ts';

export interface WrkTarget {
  setup: string;
  url: string;
  /** Request headers wrk sends (e.g. an app's credentials). */
  headers?: Readonly<Record<string, string>>;
  /** The proxy's processes, whose CPU time is counted per request. */
  pids: () => number[];
}

export interface WrkSeries {
  setup: string;
  connections: number;
  runs: WrkResult[];
  /** CPU time the proxy's processes used per request, in µs, per run. */
  cpuUs: number[];
  /** Resident memory of the proxy's processes after the last run, in bytes. */
  rss: number;
}

/** Runs each target once per round, in the same order every round; `label` starts each progress
 *  line. */
export async function interleaveWrk(
  targets: WrkTarget[],
  connections: number,
  options: BenchOptions,
  label: string,
  progress: (line: string) => void,
): Promise<WrkSeries[]> {
  const measured: WrkSeries[] = targets.map((t) => ({
    setup: t.setup,
    connections,
    runs: [],
    cpuUs: [],
    rss: Number.NaN,
  }));
  const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
  for (let round = 0; round < options.rounds; round++) {
    for (const [i, target] of targets.entries()) {
      const pids = target.pids();
      const before = cpuOf(pids);
      const result = await wrk(target.url, connections, options.seconds, target.headers);
      const used = cpuOf(pids) - before;
      measured[i]!.runs.push(result);
      measured[i]!.cpuUs.push(pids.length ? (used * 1000) / result.requests : Number.NaN);
      measured[i]!.rss = pids.reduce((sum, pid) => sum + rssBytes(pid), 0);
      progress(
        `${label}, round ${round + 1}/${options.rounds}, ${target.setup}: ` +
          `${count(result.rps)} req/s, p99 ${ms(result.p99ms)}`,
      );
    }
  }
  return measured;
}

export function summariseWrk(m: Pick<WrkSeries, 'runs' | 'cpuUs' | 'rss'>) {
  return {
    rps: median(m.runs.map((r) => r.rps)),
    p50ms: median(m.runs.map((r) => r.p50ms)),
    p99ms: median(m.runs.map((r) => r.p99ms)),
    errors: m.runs.reduce((sum, r) => sum + r.errors, 0),
    cpuUs: median(m.cpuUs),
    rss: m.rss,
  };
}

export const THROUGHPUT_COLUMNS = [
  'conns',
  'setup',
  'req/s',
  'p50',
  'p99',
  'req/s vs nginx',
  'p99 vs nginx',
  'CPU/req',
  'errors',
  'runs (req/s)',
];

/** A row of THROUGHPUT_COLUMNS; the ratios are left empty without a reference (no proxy hop). */
export function throughputRow(m: WrkSeries, reference: { rps: number; p99ms: number } | null): string[] {
  const s = summariseWrk(m);
  return [
    String(m.connections),
    m.setup,
    count(s.rps),
    ms(s.p50ms),
    ms(s.p99ms),
    reference ? ratio(s.rps / reference.rps) : '',
    reference ? ratio(s.p99ms / reference.p99ms) : '',
    us(s.cpuUs),
    String(s.errors),
    m.runs.map((r) => count(r.rps)).join(' / '),
  ];
}
