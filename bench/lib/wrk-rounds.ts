// Interleaved wrk runs against several proxies (A B C, then C B A, …, so that a change of the
// machine's state hits every setup alike), their medians, the ratios of a setup to its reference
// paired round by round, and the table row and goals both gateway benchmarks print.
import type { BenchOptions } from './options.ts';
import { cpuMs, rssBytes } from './procs.ts';
import type { Goal, Table } from './report.ts';
import { count, type MedianInterval, median, medianInterval, ms, ratio, us } from './stats.ts';
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

/**
 * Runs each target once per round; `label` starts each progress line. Every other round runs the
 * targets in reverse order (A B C, C B A, A B C, …): a machine that speeds up or slows down over a
 * round then favours no setup, and each setup's run of a round stays next to its reference's, so
 * their ratio can be taken round by round (pairedRatios). `runs[i]` of every series is round i.
 */
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
  const order = [...targets.keys()];
  for (let round = 0; round < options.rounds; round++) {
    for (const i of round % 2 === 0 ? order : [...order].reverse()) {
      const target = targets[i]!;
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

/** The ratio of `m` to `reference` in each round, for req/s and for p99. */
export function pairedRatios(
  m: Pick<WrkSeries, 'runs'>,
  reference: Pick<WrkSeries, 'runs'>,
): { rps: number[]; p99: number[] } {
  const rounds = Math.min(m.runs.length, reference.runs.length);
  const rps: number[] = [];
  const p99: number[] = [];
  for (let i = 0; i < rounds; i++) {
    rps.push(m.runs[i]!.rps / reference.runs[i]!.rps);
    p99.push(m.runs[i]!.p99ms / reference.runs[i]!.p99ms);
  }
  return { rps, p99 };
}

/** A row of THROUGHPUT_COLUMNS; the ratios (medians of the rounds' paired ratios) are left empty
 *  without a reference (no proxy hop). */
export function throughputRow(m: WrkSeries, reference: WrkSeries | null): string[] {
  const s = summariseWrk(m);
  const paired = reference ? pairedRatios(m, reference) : null;
  return [
    String(m.connections),
    m.setup,
    count(s.rps),
    ms(s.p50ms),
    ms(s.p99ms),
    paired ? ratio(median(paired.rps)) : '',
    paired ? ratio(median(paired.p99)) : '',
    us(s.cpuUs),
    String(s.errors),
    m.runs.map((r) => count(r.rps)).join(' / '),
  ];
}

/**
 * The two goals of a proxy against a reference at one connection count, judged on the ratios of
 * the two paired round by round: req/s at least `minRps` times the reference's, p99 at most
 * `maxP99` times. Each goal carries the median ratio and its 95 % interval (medianInterval): it is
 * met or missed only when the whole interval is on one side of the target, else undecided.
 */
export function proxyGoals(
  name: string,
  connections: number,
  m: Pick<WrkSeries, 'runs'>,
  reference: Pick<WrkSeries, 'runs'>,
  targets: { minRps: number; maxP99: number },
): Goal[] {
  const paired = pairedRatios(m, reference);
  const goal = (what: string, kind: Goal['kind'], target: number, values: number[]): Goal => {
    const interval = medianInterval(values);
    return {
      name: `${name} ${what} at ${connections} conns`,
      kind,
      target,
      measured: interval.median,
      interval,
      format: ratio,
    };
  };
  return [goal('req/s', 'min', targets.minRps, paired.rps), goal('p99', 'max', targets.maxP99, paired.p99)];
}

/** Issue 16's throughput goal for the nginx driver against hand-written nginx. */
export const ISSUE_16_TARGETS = { minRps: 0.95, maxP99: 1.2 } as const;

/** A setup against its reference at one connection count, run head to head. */
export interface HeadToHead {
  connections: number;
  reference: WrkSeries;
  candidate: WrkSeries;
}

/**
 * Setups against their reference alone, `options.pairs` rounds of `options.pairSeconds` s each
 * (order alternating): more, shorter rounds than the main comparison's, so that the paired ratios'
 * interval is narrow enough for a goal to be decided on a noisy machine. One head to head per
 * candidate, all sharing the reference's runs.
 */
export async function headToHead(
  reference: WrkTarget,
  candidates: readonly WrkTarget[],
  connections: number,
  options: BenchOptions,
  label: string,
  progress: (line: string) => void,
): Promise<HeadToHead[]> {
  const [ref, ...cands] = await interleaveWrk(
    [reference, ...candidates],
    connections,
    { ...options, rounds: options.pairs, seconds: options.pairSeconds },
    label,
    progress,
  );
  return cands.map((candidate) => ({ connections, reference: ref!, candidate }));
}

/** The goals of each head to head (proxyGoals), named `{candidate}/{reference}`. */
export function headToHeadGoals(
  runs: readonly HeadToHead[],
  targets: { minRps: number; maxP99: number },
): Goal[] {
  return runs.flatMap((h) =>
    proxyGoals(`${h.candidate.setup}/${h.reference.setup}`, h.connections, h.candidate, h.reference, targets),
  );
}

/** One row per head-to-head: the paired ratios' medians and 95 % intervals (with the coverage they
 *  have when too few rounds allow 95 %), and each round's ratio. */
export function headToHeadTable(title: string, runs: readonly HeadToHead[], notes: string[] = []): Table {
  const range = (i: MedianInterval) =>
    `${ratio(i.low)}–${ratio(i.high)}${i.confidence < 0.95 ? ` (${(i.confidence * 100).toFixed(0)} %)` : ''}`;
  return {
    title,
    columns: [
      'conns',
      'setup',
      'rounds',
      'req/s ratio',
      '95 % interval',
      'p99 ratio',
      '95 % interval',
      'CPU/req +',
      'each round (req/s ratio)',
    ],
    rows: runs.map((h) => {
      const paired = pairedRatios(h.candidate, h.reference);
      const rps = medianInterval(paired.rps);
      const p99 = medianInterval(paired.p99);
      const cpu = h.candidate.cpuUs.map((c, i) => c - h.reference.cpuUs[i]!);
      return [
        String(h.connections),
        `${h.candidate.setup}/${h.reference.setup}`,
        String(rps.n),
        ratio(rps.median),
        range(rps),
        ratio(p99.median),
        range(p99),
        Number.isFinite(median(cpu)) ? `${median(cpu).toFixed(1)} µs` : '—',
        paired.rps.map((r) => r.toFixed(2)).join(' '),
      ];
    }),
    notes: [
      "Each round runs both setups back to back (order alternating); a round's ratio is the setup's req/s (or p99)",
      "over the reference's in that round, so a drift of the machine between rounds cancels. CPU/req + = the median",
      "of the rounds' differences in CPU time per request (µs). 95 % interval: where the true median ratio lies",
      "(order statistics of the rounds' ratios; with fewer than 6 rounds, [min, max] and its lower coverage).",
      ...notes,
    ],
  };
}
