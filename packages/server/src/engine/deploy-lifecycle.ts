// A deploy's lifecycle, separate from the job that runs it:
//
//   requested ─┬─> approved ──> queued ──> running ──> succeeded | failed | cancelled
//              ├─> refused         │  ^        │
//              └─> withdrawn       │  └────────┘ (a failed attempt retried)
//                                  └─> cancelled
//   approved ─> withdrawn | cancelled (its window passed, its app was deleted)
//
// A deploy that needs no approval starts `queued`. Every move is a compare-and-set on the current
// status written in the caller's transaction together with its audit entry, so two approvals racing
// (or an approval racing a withdrawal) move the deploy once, and a crash leaves either both or none.
import type { DeployStatus } from '@berth/sdk';
import type { Kysely, Transaction, Updateable } from 'kysely';
import type { AuditRecorder } from '../apps/index.ts';
import type { Actor } from '../identity/actor.ts';
import type { Database } from '../store/schema.ts';
import type { DeploysTable } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

const MOVES: Record<DeployStatus, readonly DeployStatus[]> = {
  requested: ['approved', 'refused', 'withdrawn'],
  approved: ['queued', 'withdrawn', 'cancelled'],
  refused: [],
  withdrawn: [],
  queued: ['running', 'cancelled', 'failed'],
  running: ['succeeded', 'failed', 'cancelled', 'queued'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

/** May a deploy go from `from` to `to`? */
export function canMove(from: DeployStatus, to: DeployStatus): boolean {
  return MOVES[from]?.includes(to) ?? false;
}

/** The statuses a deploy may reach `to` from. */
export function sourcesOf(to: DeployStatus): DeployStatus[] {
  return (Object.keys(MOVES) as DeployStatus[]).filter((from) => MOVES[from].includes(to));
}

export function isFinal(status: DeployStatus): boolean {
  return MOVES[status].length === 0;
}

/** Job statuses as deploy statuses (a job is only ever queued, running or finished). */
export function statusOfJob(jobStatus: string): DeployStatus | undefined {
  switch (jobStatus) {
    case 'queued':
    case 'running':
    case 'succeeded':
    case 'failed':
    case 'cancelled':
      return jobStatus;
    default:
      return undefined;
  }
}

export interface Move {
  id: string;
  /** The statuses it may move from (each must allow `to`); default: every status that does. */
  from?: readonly DeployStatus[];
  to: DeployStatus;
  /** Other columns written with the move. */
  set?: Updateable<DeploysTable>;
  audit: {
    actor: Actor | null;
    /** Audit action; default `deploy.{to}`. */
    action?: string;
    detail?: Record<string, unknown>;
  };
}

/**
 * Moves the deploy if its status is still one of `from`, in `trx` with its audit entry. Returns the
 * status it moved from, or null when it was not in one of those (someone else moved it first).
 */
export async function moveDeploy(
  trx: Db,
  audit: AuditRecorder,
  move: Move,
  now: number = Date.now(),
): Promise<DeployStatus | null> {
  const from = (move.from ?? sourcesOf(move.to)).filter((s) => canMove(s, move.to));
  if (from.length === 0) throw new Error(`no deploy moves to ${move.to} from ${move.from?.join(', ')}`);
  const row = await trx
    .selectFrom('deploys')
    .select(['status', 'app_code', 'env', 'kind'])
    .where('id', '=', move.id)
    .executeTakeFirst();
  if (!row || !from.includes(row.status as DeployStatus)) return null;
  const finished = isFinal(move.to) ? { finished_at: now } : {};
  const updated = await trx
    .updateTable('deploys')
    .set({ ...move.set, ...finished, status: move.to, updated_at: now })
    .where('id', '=', move.id)
    .where('status', '=', row.status)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) return null;
  await audit.record(trx, {
    actor: move.audit.actor,
    action: move.audit.action ?? `deploy.${move.to}`,
    targetType: 'app',
    targetId: row.app_code,
    detail: { env: row.env, deployId: move.id, kind: row.kind, from: row.status, ...move.audit.detail },
    ...(move.audit.actor ? { ip: move.audit.actor.ip } : {}),
  });
  return row.status as DeployStatus;
}
