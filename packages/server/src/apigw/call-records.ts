// The recorder of API gateway calls. The call handler tells it of every call it answered
// (`record`, synchronous and cheap: counts in memory); every `flushMs` (10 s) and on `close()` the
// counts go to the store in one transaction:
//   - one row per (minute, system, component, calling app, replica), written only by its replica as
//     an upsert of that replica's totals of the minute (not an increment): replicas never write the
//     same row, and writing again what was written changes nothing;
//   - the calls that were errors (refused by the gateway with a code, or answered 5xx) since the
//     last flush, each (system, component) keeping its newest 20; older ones are deleted in the same
//     transaction.
// A berthd killed with SIGKILL loses what it counted since its last flush (at most `flushMs` of
// calls); a flush the store refuses is logged and its counts are written by the next one. Minutes
// that ended five minutes ago and are written leave memory; a call recorded for such a minute later
// (a long call recorded under its start) reads the minute's row back first and adds to it.
//
// Calls served in the gateway's worker processes (which have no store) come as batches
// (record-batches.ts): `absorb` adds a batch's minutes to this recorder's own and keeps its errors
// as `record` keeps them, so the primary's rows count its workers' calls.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { newId } from '../crypto/tokens.ts';
import { withConflictRetry } from '../jobs/conflict-retry.ts';
import type { Logger } from '../logger.ts';
import { dialectOf } from '../store/dialect.ts';
import { keepNewest } from '../store/keep-newest.ts';
import type { Database } from '../store/schema.ts';
import { addCall, type CallTotals, emptyTotals, mergeTotals } from './call-totals.ts';
import {
  type ApigwCallErrorsTable,
  type TotalsColumns,
  totalsColumns,
  totalsOfColumns,
} from './records-tables.ts';

/** One call the gateway answered, as the handler reports it. */
export interface CallRecord {
  system: string;
  component: string;
  /** The calling app's code; '' when the call named no app the gateway knows. */
  app: string;
  /** The status the caller got. */
  status: number;
  durationMs: number;
  /** The gateway's error code (APIGW_*) when the gateway refused or failed the call itself. */
  code?: string;
  message?: string;
  requestId: string;
  /** When the call arrived (epoch ms): it counts in this minute. */
  at: number;
}

/** One minute of one (system, component, calling app) as a worker counted it. */
export interface BatchMinute {
  /** The minute's start (epoch ms). */
  bucket: number;
  system: string;
  component: string;
  app: string;
  totals: CallTotals;
}

/** What a worker counted since its last batch (plain data: it crosses the gateway's IPC channel). */
export interface RecordBatch {
  minutes: BatchMinute[];
  /** Calls that were errors, oldest first, at most KEPT_ERRORS per (system, component). */
  errors: CallRecord[];
}

export interface CallRecorder {
  /** Counts one call (in memory; the next flush stores it). Ignored after `close()`. */
  record(call: CallRecord): void;
  /** Counts a worker's batch of calls, as if each had been recorded here. Ignored after `close()`. */
  absorb(batch: RecordBatch): void;
  /** Writes what was counted since the last flush now; rejects when the store refuses (the counts
   *  stay for the next flush). */
  flush(): Promise<void>;
  /** Stops the timer and flushes a last time (a failure is logged: those counts are lost). */
  close(): Promise<void>;
}

export interface CallRecorderDeps {
  db: Kysely<Database>;
  /** This berthd (newReplicaId()): the owner of the rows it writes. */
  replica: string;
  logger: Logger;
  /** How often the counts are written (default 10 s). */
  flushMs?: number;
  now?: () => number;
}

export const MINUTE_MS = 60_000;
/** Errors kept per (system, component). */
export const KEPT_ERRORS = 20;
/** Longest error message stored. */
export const MAX_ERROR_MESSAGE = 500;
/** Written minutes stay in memory until they ended this long ago. */
const KEEP_MINUTES_MS = 5 * MINUTE_MS;
/** Rows per insert statement (38 values each; well under every dialect's parameter limit). */
const ROWS_PER_STATEMENT = 200;
/** Column widths (records-tables.ts): longer names are cut rather than fail a whole flush. */
const WIDTH = { system: 64, component: 128, app: 64, code: 64, requestId: 128 };

/** One minute of one (system, component, app), as this replica counted it. */
interface Minute {
  bucket: number;
  system: string;
  component: string;
  app: string;
  /** Counted by this recorder. */
  own: CallTotals;
  /** The row's totals when this minute came back after leaving memory (read by the next flush). */
  base: CallTotals | undefined;
  needsBase: boolean;
  /** Calls counted, and how many of them the store has. */
  version: number;
  written: number;
}

type ErrorRow = ApigwCallErrorsTable;

export function createCallRecorder(deps: CallRecorderDeps): CallRecorder {
  const { db, replica } = deps;
  const log = deps.logger.child({ mod: 'apigw-records' });
  const now = deps.now ?? Date.now;
  const minutes = new Map<string, Minute>();
  /** Errors not written yet by (system, component), oldest first, at most KEPT_ERRORS each. */
  let pendingErrors = new Map<string, ErrorRow[]>();
  /** The newest minute that left memory: a minute up to it may have a row already. */
  let evictedThrough = Number.NEGATIVE_INFINITY;
  let running: Promise<void> | undefined;
  let closed = false;

  const timer = setInterval(() => {
    if (running) return;
    flush().catch((err: Error) =>
      log.warn(
        { err: err.message },
        'the API gateway call records were not written; the next flush tries again',
      ),
    );
  }, deps.flushMs ?? 10_000);
  timer.unref();

  /** This recorder's totals of the minute of (system, component, app) that `at` falls in (names cut
   *  to their columns' widths), created when new, for the caller to count into now. */
  function ownTotals(at: number, names: CallNames): CallTotals {
    const { system, component, app } = cutNames(names);
    const bucket = minuteStart(at);
    const key = minuteKey(bucket, system, component, app);
    let minute = minutes.get(key);
    if (!minute) {
      minute = {
        bucket,
        system,
        component,
        app,
        own: emptyTotals(),
        base: undefined,
        needsBase: bucket <= evictedThrough,
        version: 0,
        written: 0,
      };
      minutes.set(key, minute);
    }
    minute.version++;
    return minute.own;
  }

  /** Keeps an error call for the next flush (its strings cut to their columns' widths). */
  function keepCall(call: CallRecord): void {
    keepError(pendingErrors, {
      id: newId('ace'),
      ...cutNames(call),
      at: call.at,
      status: call.status,
      code: call.code === undefined ? null : call.code.slice(0, WIDTH.code),
      message: call.message === undefined ? null : clip(call.message, MAX_ERROR_MESSAGE),
      request_id: call.requestId.slice(0, WIDTH.requestId),
    });
  }

  function record(call: CallRecord): void {
    if (closed) return;
    if (countCall(ownTotals(call.at, call), call)) keepCall(call);
  }

  function absorb(batch: RecordBatch): void {
    if (closed) return;
    for (const m of batch.minutes) mergeTotals(ownTotals(m.bucket, m), m.totals);
    for (const call of batch.errors) keepCall(call);
  }

  async function flush(): Promise<void> {
    // One write at a time: wait for the one in flight (its failure is its own caller's to see).
    while (running) await running.then(noop, noop);
    running = write().finally(() => {
      running = undefined;
    });
    return running;
  }

  async function write(): Promise<void> {
    const dirty = [...minutes.values()].filter((m) => m.version !== m.written);
    const errors = pendingErrors;
    pendingErrors = new Map();
    if (dirty.length > 0 || errors.size > 0) {
      let done: { versions: number[]; bases: Map<Minute, CallTotals> };
      try {
        done = await withConflictRetry(() =>
          db.transaction().execute(async (trx) => {
            const bases = await readBases(
              trx,
              dirty.filter((m) => m.needsBase),
            );
            // Computed in one synchronous step: a call recorded meanwhile is the next flush's.
            const versions = dirty.map((m) => m.version);
            const rows = dirty.map((m) => ({
              bucket_start: m.bucket,
              system: m.system,
              component: m.component,
              app: m.app,
              replica,
              ...totalsColumns(
                mergeTotals(mergeTotals(emptyTotals(), bases.get(m) ?? m.base ?? emptyTotals()), m.own),
              ),
            }));
            for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
              await upsert(trx, rows.slice(i, i + ROWS_PER_STATEMENT));
            }
            await writeErrors(trx, errors);
            return { versions, bases };
          }),
        );
      } catch (err) {
        // Not written: the errors go back before any recorded since (the counts stay dirty).
        const again = new Map<string, ErrorRow[]>();
        for (const list of [...errors.values(), ...pendingErrors.values()])
          for (const e of list) keepError(again, e);
        pendingErrors = again;
        throw err;
      }
      dirty.forEach((m, i) => {
        m.written = done.versions[i]!;
        const base = done.bases.get(m);
        if (base) {
          m.base = base;
          m.needsBase = false;
        }
      });
    }
    forgetOldMinutes();
  }

  /** The stored totals of minutes that came back to memory (empty when none was written). */
  async function readBases(trx: Kysely<Database>, revived: Minute[]): Promise<Map<Minute, CallTotals>> {
    const bases = new Map<Minute, CallTotals>();
    if (revived.length === 0) return bases;
    const rows = await trx
      .selectFrom('apigw_call_records')
      .selectAll()
      .where('replica', '=', replica)
      .where('bucket_start', 'in', [...new Set(revived.map((m) => m.bucket))])
      .execute();
    for (const m of revived) {
      const row = rows.find(
        (r) =>
          Number(r.bucket_start) === m.bucket &&
          r.system === m.system &&
          r.component === m.component &&
          r.app === m.app,
      );
      bases.set(m, row ? totalsOfColumns(row) : emptyTotals());
    }
    return bases;
  }

  function forgetOldMinutes(): void {
    const before = Math.floor(now() / MINUTE_MS) * MINUTE_MS - KEEP_MINUTES_MS;
    for (const [key, m] of minutes) {
      if (m.version === m.written && m.bucket < before) {
        minutes.delete(key);
        evictedThrough = Math.max(evictedThrough, m.bucket);
      }
    }
  }

  return {
    record,
    absorb,
    flush,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      try {
        await flush();
      } catch (err) {
        log.error(
          { err: (err as Error).message },
          'the last API gateway call records could not be written; they are lost',
        );
      }
    },
  };
}

/** Sets this replica's totals of each row (inserted, or replacing what it wrote before). */
async function upsert(
  trx: Kysely<Database>,
  rows: ReadonlyArray<Database['apigw_call_records']>,
): Promise<void> {
  const columns = Object.keys(totalsColumns(emptyTotals())) as Array<keyof TotalsColumns>;
  const insert = trx.insertInto('apigw_call_records').values(rows);
  if (dialectOf(trx) === 'mysql') {
    await insert
      .onDuplicateKeyUpdate(Object.fromEntries(columns.map((c) => [c, sql`values(${sql.ref(c)})`])))
      .execute();
    return;
  }
  await insert
    .onConflict((oc) =>
      oc
        .columns(['bucket_start', 'system', 'component', 'app', 'replica'])
        .doUpdateSet(Object.fromEntries(columns.map((c) => [c, sql.ref(`excluded.${c}`)]))),
    )
    .execute();
}

/** Inserts the new errors, then deletes all but the newest KEPT_ERRORS of each (system, component). */
async function writeErrors(trx: Kysely<Database>, errors: Map<string, ErrorRow[]>): Promise<void> {
  for (const list of errors.values()) {
    const { system, component } = list[0]!;
    await trx.insertInto('apigw_call_errors').values(list).execute();
    await keepNewest(trx, {
      table: 'apigw_call_errors',
      group: { system, component },
      timeColumn: 'at',
      keep: KEPT_ERRORS,
    });
  }
}

/** The names a minute is counted under. */
type CallNames = Pick<CallRecord, 'system' | 'component' | 'app'>;

/** The names cut to their columns' widths. */
function cutNames(names: CallNames): CallNames {
  return {
    system: names.system.slice(0, WIDTH.system),
    component: names.component.slice(0, WIDTH.component),
    app: names.app.slice(0, WIDTH.app),
  };
}

/** The start of the minute `at` (epoch ms) falls in. */
export function minuteStart(at: number): number {
  return Math.floor(at / MINUTE_MS) * MINUTE_MS;
}

/** The key of one minute of one (system, component, app) in memory. */
export function minuteKey(bucket: number, system: string, component: string, app: string): string {
  return `${bucket}\u0000${system}\u0000${component}\u0000${app}`;
}

/** Counts one call into `totals`; true when it was an error (the gateway's code, or a 5xx). */
export function countCall(totals: CallTotals, call: CallRecord): boolean {
  const error = call.code !== undefined || call.status >= 500;
  addCall(totals, { status: call.status, durationMs: call.durationMs, error });
  return error;
}

/** Adds an error to its (system, component)'s list, keeping the newest KEPT_ERRORS by `at` (what the
 *  table keeps): a worker's batch arrives after calls the recorder counted since. */
export function keepError<E extends { system: string; component: string; at: number }>(
  lists: Map<string, E[]>,
  e: E,
): void {
  const key = `${e.system}\u0000${e.component}`;
  const list = lists.get(key) ?? [];
  // Oldest first; calls mostly come in order, so the place is found from the end.
  let i = list.length;
  while (i > 0 && list[i - 1]!.at > e.at) i--;
  list.splice(i, 0, e);
  if (list.length > KEPT_ERRORS) list.splice(0, list.length - KEPT_ERRORS);
  lists.set(key, list);
}

const noop = () => {};

/** At most `max` characters, never half of one. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : Array.from(text).slice(0, max).join('');
}
