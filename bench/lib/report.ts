// What a benchmark hands back (tables of medians, goals with verdicts, raw figures) and how it is
// printed: aligned plain-text tables, one per benchmark part.
import { ratio } from './stats.ts';

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

/** The two goals of a proxy against a reference at one connection count: req/s at least
 *  `minRps` times the reference's, p99 at most `maxP99` times. */
export function proxyGoals(
  name: string,
  connections: number,
  measured: { rps: number; p99ms: number },
  reference: { rps: number; p99ms: number },
  targets: { minRps: number; maxP99: number },
): Goal[] {
  return [
    {
      name: `${name} req/s at ${connections} conns`,
      kind: 'min',
      target: targets.minRps,
      measured: measured.rps / reference.rps,
      format: ratio,
    },
    {
      name: `${name} p99 at ${connections} conns`,
      kind: 'max',
      target: targets.maxP99,
      measured: measured.p99ms / reference.p99ms,
      format: ratio,
    },
  ];
}

export function verdict(goal: Goal): string {
  if (!Number.isFinite(goal.measured)) return 'not measured';
  const met = goal.kind === 'min' ? goal.measured >= goal.target : goal.measured <= goal.target;
  if (met) return 'met';
  const by = Math.abs(goal.measured - goal.target);
  const pct = goal.target === 0 ? '' : ` (${((by / Math.abs(goal.target)) * 100).toFixed(0)}%)`;
  return `missed by ${goal.format(by)}${pct}`;
}

export function goalsTable(title: string, goals: readonly Goal[]): Table {
  return {
    title,
    columns: ['goal', 'target', 'measured', 'verdict'],
    rows: goals.map((g) => [
      g.name,
      `${g.kind === 'min' ? '≥' : '≤'} ${g.format(g.target)}`,
      g.format(g.measured),
      verdict(g),
    ]),
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
