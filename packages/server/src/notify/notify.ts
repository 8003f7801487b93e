// The notify module put together: channels, subscriptions, the notifier the engine calls, the
// delivery job and the HTTP routes.
import type { SecretBox } from '../crypto/secret-box.ts';
import { BerthError } from '../errors.ts';
import type { RouteModule } from '../http/server.ts';
import { assertRole } from '../identity/roles.ts';
import type { JobHandlers, JobQueue } from '../jobs/index.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { CHANNEL_ADMINS, type ChannelOperations, createChannelService } from './channel-service.ts';
import { findDelivery, listDeliveries, NOTIFY_JOB_KIND, queueDelivery } from './deliveries.ts';
import { createDeliveryHandler } from './delivery-job.ts';
import type { AuthorizeApp, NotifyAudit } from './deps.ts';
import { createNotifier, type Notifier } from './notifier.ts';
import { notifyRoutes } from './routes.ts';
import { createSubscriptionService, type SubscriptionService } from './subscription-service.ts';

export interface NotifyDeps {
  store: Store;
  queue: JobQueue;
  secretBox: SecretBox;
  audit: NotifyAudit;
  logger: Logger;
  /** May this actor read (`notify.read`) or change (`notify.write`) this app's notifications? */
  authorize: AuthorizeApp;
  settings: {
    /** Attempts of one delivery before it fails (BERTH_NOTIFY_ATTEMPTS). */
    maxAttempts: number;
    /** Time limit of one attempt (BERTH_NOTIFY_TIMEOUT). */
    timeoutMs: number;
  };
  now?: () => number;
}

export interface Notify {
  readonly notifier: Notifier;
  readonly channels: ChannelOperations;
  readonly subscriptions: SubscriptionService;
  readonly routes: RouteModule;
  readonly jobHandlers: JobHandlers;
  /** Drops a deleted app's subscriptions and deliveries. */
  appDeleted(code: string): Promise<void>;
  /** Drops the subscriptions and deliveries of every app not in `live` (apps deleted while berthd
   *  was down or before their clean-up ran). */
  forgetMissingApps(live: ReadonlySet<string>): Promise<void>;
}

export function createNotify(deps: NotifyDeps): Notify {
  const { db } = deps.store;
  const now = deps.now ?? Date.now;
  const logger = deps.logger;
  const service = createChannelService({ db, secretBox: deps.secretBox, audit: deps.audit, now });
  const channels: ChannelOperations = {
    ...service,
    async test(actor, id) {
      assertRole(actor, CHANNEL_ADMINS);
      const deliveryId = await db.transaction().execute(async (trx) => {
        const channel = await service.row(trx, id);
        const t = now();
        const queued = await queueDelivery(trx, deps.queue, {
          channelId: id,
          notice: { type: 'test', actor: actor.username, at: t, channel: channel.name },
          maxAttempts: deps.settings.maxAttempts,
          now: t,
        });
        await deps.audit.record(trx, {
          actor,
          action: 'channel.test',
          targetType: 'channel',
          targetId: id,
          detail: { delivery: queued },
        });
        return queued;
      });
      const delivery = await findDelivery(db, deliveryId);
      // Only removing the channel at this very moment takes it away again.
      if (!delivery) throw new BerthError('CHANNEL_NOT_FOUND');
      return delivery;
    },
    async deliveries(actor, id, page = {}) {
      assertRole(actor, CHANNEL_ADMINS);
      await service.row(db, id);
      return listDeliveries(db, { channelId: id }, page);
    },
  };
  const subscriptions = createSubscriptionService({ db, authorize: deps.authorize, audit: deps.audit, now });

  async function forget(codes: readonly string[]): Promise<void> {
    if (codes.length === 0) return;
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('notify_subscriptions').where('app_code', 'in', codes).execute();
      await trx.deleteFrom('notify_deliveries').where('app_code', 'in', codes).execute();
    });
    logger.info({ apps: codes }, 'notifications of deleted apps removed');
  }

  return {
    notifier: createNotifier({ queue: deps.queue, maxAttempts: deps.settings.maxAttempts, now }),
    channels,
    subscriptions,
    routes: notifyRoutes({ channels, subscriptions }),
    jobHandlers: {
      [NOTIFY_JOB_KIND]: createDeliveryHandler({
        db,
        secretBox: deps.secretBox,
        logger,
        timeoutMs: deps.settings.timeoutMs,
        now,
      }),
    },
    appDeleted: (code) => forget([code]),
    async forgetMissingApps(live) {
      const [subscribed, delivered] = await Promise.all([
        db.selectFrom('notify_subscriptions').select('app_code').distinct().execute(),
        db
          .selectFrom('notify_deliveries')
          .select('app_code')
          .distinct()
          .where('app_code', 'is not', null)
          .execute(),
      ]);
      const codes = new Set([...subscribed, ...delivered].map((r) => r.app_code as string));
      await forget([...codes].filter((code) => !live.has(code)));
    },
  };
}
