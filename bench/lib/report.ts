// What a benchmark hands back (tables of medians, goals with verdicts, raw figures) and how it is
// printed: aligned plain-text tables, one per benchmark part.
import type { MedianInterval } from './stats.ts';

export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
  /** Lines printed under the table (what was measured, caveats). */
  notes?: string[];
}

export interface Goal {
  /** What is aimed at, e.g. "gateway/nginx req/s at 50 conns". */
  name: string;
  /** The goal as written in the issue, e.g. "≥ 0.75x". */
  target: number;
  /** Whether the measured value must be at least (`min`) or at most (`max`) the target. */
  kind: 'min' | 'max';
  measured: number;
  /**
   * When `measured` is the median of repeated paired measurements: its confidence interval. The
   * goal is then met or missed only when the whole interval is on one side of the target.
   */
  interval?: MedianInterval;
  format: (value: number) => string;
}

export interface SuiteResult {
  name: string;
  tables: Table[];
  goals: Goal[];
  /** Every figure measured, for the JSON file. */
  raw: unknown;
  /** Set when the whole benchmark could not run. */
  skipped?: string;
}

/**
 * "met", "missed by X (N%)", or, for a goal with an interval that straddles the target,
 * "undecided": the run cannot tell which side of the target the true value is on.
 */
export function verdict(goal: Goal): string {
  if (!Number.isFinite(goal.measured)) return 'not measured';
  const meets = (value: number) => (goal.kind === 'min' ? value >= goal.target : value <= goal.target);
  const missedBy = (value: number) => {
    const by = Math.abs(value - goal.target);
    const pct = goal.target === 0 ? '' : ` (${((by / Math.abs(goal.target)) * 100).toFixed(0)}%)`;
    return `missed by ${goal.format(by)}${pct}`;
  };
  const interval = goal.interval;
  if (interval === undefined) return meets(goal.measured) ? 'met' : missedBy(goal.measured);
  // The end of the interval nearest to failing, and the one nearest to meeting.
  const worst = goal.kind === 'min' ? interval.low : interval.high;
  const best = goal.kind === 'min' ? interval.high : interval.low;
  if (meets(worst)) return 'met';
  if (!meets(best)) return missedBy(goal.measured);
  return `undecided (the ${intervalText(goal)} holds the target)`;
}

/** "95 % interval 0.91x–0.98x of 12 rounds". */
function intervalText(goal: Goal): string {
  const i = goal.interval!;
  return `${(i.confidence * 100).toFixed(0)} % interval ${goal.format(i.low)}–${goal.format(i.high)} of ${i.n} rounds`;
}

export function goalsTable(title: string, goals: readonly Goal[]): Table {
  const withIntervals = goals.some((g) => g.interval !== undefined);
  return {
    title,
    columns: ['goal', 'target', 'measured', ...(withIntervals ? ['interval'] : []), 'verdict'],
    rows: goals.map((g) => [
      g.name,
      `${g.kind === 'min' ? '≥' : '≤'} ${g.format(g.target)}`,
      g.format(g.measured),
      ...(withIntervals
        ? [
            g.interval
              ? `${g.format(g.interval.low)}–${g.format(g.interval.high)} (${(g.interval.confidence * 100).toFixed(0)} %, n=${g.interval.n})`
              : '',
          ]
        : []),
      verdict(g),
    ]),
    ...(withIntervals
      ? {
          notes: [
            'measured = the median of the ratios paired round by round; interval = where the true median lies with the',
            'stated chance (order statistics, no assumption on the distribution). A goal is met or missed only when the',
            'whole interval is on one side of its target, else undecided: more rounds (--pairs) narrow it.',
          ],
        }
      : {}),
  };
}

/** Right-aligns cells that look like numbers, left-aligns the rest. */
export function renderTable(table: Table): string {
  const all = [table.columns, ...table.rows];
  const widths = table.columns.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  const numeric = (cell: string) => /^[-+]?[\d.,]+\s?(x|ms|s|MB|µs|%)?$/.test(cell.trim()) || cell === '—';
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i > 0 && numeric(cell) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [
    table.title,
    line(table.columns),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...table.rows.map(line),
  ];
  for (const note of table.notes ?? []) out.push(`  ${note}`);
  return `${out.join('\n')}\n`;
}

export function renderSuite(result: SuiteResult): string {
  const parts = [`\n=== ${result.name} ===\n`];
  if (result.skipped) {
    parts.push(`skipped: ${result.skipped}\n`);
    return parts.join('');
  }
  for (const table of result.tables) parts.push(`\n${renderTable(table)}`);
  if (result.goals.length) parts.push(`\n${renderTable(goalsTable('goals', result.goals))}`);
  return parts.join('');
}
