// What the webhooks module needs from the rest of berthd, as plain types the composition root fills.
import type { Actor } from '../identity/actor.ts';
import type { AuditLog } from '../identity/index.ts';

/** Reading an app's webhook URL and log (`app.read`), or its secret and rotating it (`source.write`). */
export type WebhookAction = 'app.read' | 'source.write';

/** Throws APP_NOT_FOUND (also when the actor may not see the app) or FORBIDDEN. */
export type AuthorizeApp = (actor: Actor, action: WebhookAction, code: string) => Promise<void>;

/** The audit log as this module uses it: one record written in the caller's transaction. */
export type WebhookAudit = Pick<AuditLog, 'record'>;
