// What the notify module needs from the rest of berthd, as plain types the composition root fills.
import type { Kysely } from 'kysely';
import type { Actor } from '../identity/actor.ts';
import type { Database } from '../store/schema.ts';

/** What an action on an app's notifications needs: reading its subscriptions and deliveries, or
 *  changing its subscriptions. */
export type NotifyAction = 'notify.read' | 'notify.write';

/** Throws APP_NOT_FOUND (also when the actor may not see the app) or FORBIDDEN. */
export type AuthorizeApp = (actor: Actor, action: NotifyAction, code: string) => Promise<void>;

/** The audit log as this module uses it: one record written in the caller's transaction. */
export interface NotifyAudit {
  record(
    db: Kysely<Database>,
    e: {
      actor: Actor;
      action: string;
      targetType: string;
      targetId: string;
      detail?: Record<string, unknown>;
    },
  ): Promise<void>;
}
