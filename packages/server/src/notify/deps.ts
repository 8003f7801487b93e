// What the notify module needs from the rest of berthd, as plain types the composition root fills.
import type { Actor } from '../identity/actor.ts';
import type { AuditLog } from '../identity/index.ts';

/** What an action on an app's notifications needs: reading its subscriptions and deliveries, or
 *  changing its subscriptions. */
export type NotifyAction = 'notify.read' | 'notify.write';

/** Throws APP_NOT_FOUND (also when the actor may not see the app) or FORBIDDEN. */
export type AuthorizeApp = (actor: Actor, action: NotifyAction, code: string) => Promise<void>;

/** The audit log as this module uses it: one record written in the caller's transaction. */
export type NotifyAudit = Pick<AuditLog, 'record'>;
