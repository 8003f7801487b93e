// What the apps module needs from the identity module, as plain function types so the two modules
// meet only here (the composition root passes identity's functions in).
import type { Kysely, Transaction } from 'kysely';
import type { Actor } from '../identity/actor.ts';
import type { UserSummary } from '../identity/user-records.ts';
import type { Database } from '../store/schema.ts';

export type { UserSummary };

export type LookupUser = (username: string) => Promise<UserSummary | null>;
/** The users that still exist among `ids` (deleted users are left out). */
export type UsersByIds = (ids: string[]) => Promise<UserSummary[]>;

/** The current release of each environment of these apps that has one (the deploy engine's; one
 *  query for a whole page of apps). */
export type CurrentReleases = (
  codes: readonly string[],
) => Promise<Array<{ app: string; env: string; version: number }>>;

export interface AuditEntry {
  actor: Actor | null;
  action: string;
  targetType: string;
  targetId: string;
  detail?: Record<string, unknown>;
  ip?: string;
}

/** The audit log as the apps module uses it: a record written in the caller's transaction. */
export interface AuditRecorder {
  record(db: Kysely<Database> | Transaction<Database>, e: AuditEntry): Promise<void>;
}
