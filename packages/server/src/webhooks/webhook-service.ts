// What users do with an app's webhook: read its URL (app.read), reveal its secret and rotate it
// (source.write, audited), page through its delivery log (app.read).
import type { PageQuery, Webhook, WebhookDelivery, WebhookRotateResponse } from '@berth/sdk';
import type { Kysely } from 'kysely';
import type { Actor } from '../identity/actor.ts';
import type { Page } from '../store/keyset.ts';
import type { Database } from '../store/schema.ts';
import type { DeliveryLog } from './delivery-log.ts';
import type { AuthorizeApp, WebhookAudit } from './deps.ts';
import type { WebhookSecrets } from './secrets.ts';

export interface WebhookService {
  /** The app's hook URL; with `reveal` its secret too (source.write; audited). The secret is made
   *  here the first time anyone looks. */
  show(actor: Actor, code: string, options?: { reveal?: boolean }): Promise<Webhook>;
  /** A new secret (source.write; audited): deliveries signed with the old one are refused from now. */
  rotate(actor: Actor, code: string): Promise<WebhookRotateResponse>;
  deliveries(actor: Actor, code: string, page?: PageQuery): Promise<Page<WebhookDelivery>>;
}

export function createWebhookService(deps: {
  db: Kysely<Database>;
  secrets: WebhookSecrets;
  log: DeliveryLog;
  authorize: AuthorizeApp;
  audit: WebhookAudit;
  /** The console's and API's public URL (BERTH_PUBLIC_URL), read when needed. */
  publicUrl: () => string;
}): WebhookService {
  const { db, secrets, authorize, audit } = deps;
  const urlOf = (code: string) => `${deps.publicUrl().replace(/\/+$/, '')}/api/v1/hooks/${code}`;

  return {
    async show(actor, code, options = {}) {
      await authorize(actor, options.reveal === true ? 'source.write' : 'app.read', code);
      const secret = await secrets.ensure(code);
      if (options.reveal !== true) return { url: urlOf(code) };
      await audit.record(db, {
        actor,
        action: 'webhook.secret.view',
        targetType: 'app',
        targetId: code,
        ip: actor.ip,
      });
      return { url: urlOf(code), secret };
    },
    async rotate(actor, code) {
      await authorize(actor, 'source.write', code);
      const secret = await db.transaction().execute(async (trx) => {
        const made = await secrets.rotate(code, trx);
        await audit.record(trx, {
          actor,
          action: 'webhook.secret.rotate',
          targetType: 'app',
          targetId: code,
          ip: actor.ip,
        });
        return made;
      });
      return { url: urlOf(code), secret };
    },
    async deliveries(actor, code, page = {}) {
      await authorize(actor, 'app.read', code);
      return deps.log.list(code, page);
    },
  };
}
