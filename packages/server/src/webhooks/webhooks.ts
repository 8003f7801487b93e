// The webhooks module put together: each app's secret, the delivery log, the receiver of the hook URL
// and the routes. The deploy trigger is injected (`onDelivery`): this module verifies and logs, the
// deploy engine decides what a push deploys.
import type { SecretBox } from '../crypto/secret-box.ts';
import type { RouteModule } from '../http/server.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { createDeliveryLog } from './delivery-log.ts';
import type { AuthorizeApp, WebhookAudit } from './deps.ts';
import { createReceiver, type HookRequest, type HookResult, type OnWebhookDelivery } from './receive.ts';
import { webhookRoutes } from './routes.ts';
import { createWebhookSecrets } from './secrets.ts';
import { createWebhookService, type WebhookService } from './webhook-service.ts';

export interface WebhooksDeps {
  store: Store;
  secretBox: SecretBox;
  audit: WebhookAudit;
  logger: Logger;
  /** May this actor read the app's webhook (`app.read`) or its secret (`source.write`)? */
  authorize: AuthorizeApp;
  /** BERTH_PUBLIC_URL as berthd hands it out (read when needed: its port may be bound late). */
  publicUrl: () => string;
  /** The deploy trigger, told about every verified push and tag. */
  onDelivery: OnWebhookDelivery;
  now?: () => number;
}

export interface Webhooks {
  readonly service: WebhookService;
  /** Handles one request to a hook URL (the route calls it; tests may too). */
  receive(req: HookRequest): Promise<HookResult>;
  readonly routes: RouteModule;
  /** Drops a deleted app's secret and delivery log. */
  appDeleted(code: string): Promise<void>;
  /** Drops the secrets and logs of every app not in `live` (deleted while berthd was down). */
  forgetMissingApps(live: ReadonlySet<string>): Promise<void>;
}

export function createWebhooks(deps: WebhooksDeps): Webhooks {
  const { db } = deps.store;
  const now = deps.now ?? Date.now;
  const secrets = createWebhookSecrets({ db, secretBox: deps.secretBox, now });
  const log = createDeliveryLog(db);
  const service = createWebhookService({
    db,
    secrets,
    log,
    authorize: deps.authorize,
    audit: deps.audit,
    publicUrl: deps.publicUrl,
  });
  const receive = createReceiver({
    db,
    secrets,
    log,
    audit: deps.audit,
    onDelivery: deps.onDelivery,
    logger: deps.logger,
    now,
  });

  async function forget(codes: readonly string[]): Promise<void> {
    if (codes.length === 0) return;
    await db.transaction().execute(async (trx) => {
      await secrets.forget(codes, trx);
      await log.forget(codes, trx);
    });
    deps.logger.info({ apps: codes }, 'webhooks of deleted apps removed');
  }

  return {
    service,
    receive,
    routes: webhookRoutes({ service, receive }),
    appDeleted: (code) => forget([code]),
    async forgetMissingApps(live) {
      const codes = new Set([...(await secrets.apps()), ...(await log.apps())]);
      await forget([...codes].filter((code) => !live.has(code)));
    },
  };
}

/** The trigger berthd uses until the deploy engine provides one: every push is logged, none deploys. */
export const noDeployTrigger: OnWebhookDelivery = async () => ({ ignored: 'no deploy trigger configured' });
