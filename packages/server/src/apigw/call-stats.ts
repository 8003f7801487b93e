// Reading the API gateway's call records: per (system, component, calling app) the calls of a
// window, their status classes, error rate and latency percentiles (every replica's rows of every
// minute in the window summed by the store, then read with call-totals.ts), with the last errors.
// The window is counted in whole minutes: every minute it overlaps counts. What a replica counted
// since its last flush (at most its flush interval) is not in the store yet.
import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { Database } from '../store/schema.ts';
import { MINUTE_MS } from './call-records.ts';
import { type CallSummary, emptyTotals, summarize } from './call-totals.ts';
import { type TotalsColumns, totalsColumns, totalsOfColumns } from './records-tables.ts';

export interface StatsQuery {
  system?: string | undefined;
  component?: string | undefined;
  /** One calling app. */
  app?: string | undefined;
  /** Only calls of these calling apps (a developer's); undefined: every app's. */
  apps?: readonly string[] | undefined;
  /** The window's length: the calls of the last `sinceMs` before `now`. */
  sinceMs: number;
  now: number;
}

export interface CallError {
  at: number;
  status: number;
  code?: string;
  message?: string;
  requestId: string;
}

export interface CallStats extends CallSummary {
  system: string;
  component: string;
  app: string;
  /** Newest first (each (system, component) keeps its last 20 errors of every app). */
  lastErrors: CallError[];
}

export interface CallStatsReader {
  stats(query: StatsQuery): Promise<CallStats[]>;
}

/** Summed as they are; the largest latency is the largest of the rows'. */
const SUMMED = (Object.keys(totalsColumns(emptyTotals())) as Array<keyof TotalsColumns>).filter(
  (c) => c !== 'latency_max_us',
);

/** The first minute a window of `sinceMs` before `now` overlaps. */
export function windowStart(sinceMs: number, now: number): number {
  return Math.floor((now - sinceMs) / MINUTE_MS) * MINUTE_MS;
}

export function createCallStats(deps: { db: Kysely<Database> }): CallStatsReader {
  const { db } = deps;
  return {
    async stats(q) {
      if (q.apps?.length === 0) return [];
      const from = windowStart(q.sinceMs, q.now);
      const sums = await db
        .selectFrom('apigw_call_records')
        .select(['system', 'component', 'app'])
        .select((eb) => [
          ...SUMMED.map((c) => eb.fn.sum(c).as(c)),
          eb.fn.max('latency_max_us').as('latency_max_us'),
        ])
        .where('bucket_start', '>=', from)
        .where((eb) => matching(eb, q))
        .groupBy(['system', 'component', 'app'])
        .execute();
      const errors = await db
        .selectFrom('apigw_call_errors')
        .selectAll()
        .where('at', '>=', from)
        .where((eb) => matching(eb, q))
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      const errorsOf = new Map<string, CallError[]>();
      for (const e of errors) {
        const key = keyOf(e);
        const list = errorsOf.get(key) ?? [];
        list.push({
          at: Number(e.at),
          status: Number(e.status),
          ...(e.code === null ? {} : { code: e.code }),
          ...(e.message === null ? {} : { message: e.message }),
          requestId: e.request_id,
        });
        errorsOf.set(key, list);
      }
      return sums
        .map((row) => ({
          system: row.system,
          component: row.component,
          app: row.app,
          ...summarize(totalsOfColumns(row as unknown as Record<keyof TotalsColumns, unknown>)),
          lastErrors: errorsOf.get(keyOf(row)) ?? [],
        }))
        .sort(
          (a, b) => compare(a.system, b.system) || compare(a.component, b.component) || compare(a.app, b.app),
        );
    },
  };
}

/** The query's filters, on either table (both name the system, component and calling app). */
function matching(
  eb: ExpressionBuilder<Database, 'apigw_call_records' | 'apigw_call_errors'>,
  q: StatsQuery,
): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [];
  if (q.system !== undefined) conditions.push(eb('system', '=', q.system));
  if (q.component !== undefined) conditions.push(eb('component', '=', q.component));
  if (q.app !== undefined) conditions.push(eb('app', '=', q.app));
  if (q.apps !== undefined) conditions.push(eb('app', 'in', q.apps));
  return eb.and(conditions);
}

function keyOf(r: { system: string; component: string; app: string }): string {
  return `${r.system}\u0000${r.component}\u0000${r.app}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
