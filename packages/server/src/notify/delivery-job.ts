// The `notify` job: sends one delivery. It reads the delivery and its channel afresh (a change of the
// channel since the event applies; a disabled or removed one gets nothing), renders the template in
// the channel's language, sends, and records the attempt. A failure that may pass is thrown as
// NOTIFY_SEND_FAILED and the queue retries it with its back-off; a refusal, or the last attempt,
// marks the delivery failed. A delivery marked sent is never sent again; the window that remains —
// a berthd dying between the receiver's answer and the mark — is why the delivery id travels with
// every message (docs/notifications.md).
import type { NotifyLanguage } from '@berth/sdk';
import type { Kysely } from 'kysely';
import type { SecretBox } from '../crypto/secret-box.ts';
import { BerthError } from '../errors.ts';
import { type JobHandler, permanentFailure } from '../jobs/index.ts';
import type { Logger } from '../logger.ts';
import type { Database } from '../store/schema.ts';
import { type OpenConfig, openConfig } from './channel-config.ts';
import { clipError, type NotifyJobPayload } from './deliveries.ts';
import { SendError, send } from './senders/send.ts';
import type { DeliveryRow } from './tables.ts';
import { type Notice, render } from './templates.ts';

export interface DeliveryHandlerDeps {
  db: Kysely<Database>;
  secretBox: SecretBox;
  logger: Logger;
  /** Time limit of one attempt's connection and answer. */
  timeoutMs: number;
  now: () => number;
}

export function createDeliveryHandler(deps: DeliveryHandlerDeps): JobHandler {
  const { db, now } = deps;

  async function mark(id: string, change: Partial<DeliveryRow>): Promise<void> {
    await db
      .updateTable('notify_deliveries')
      .set({ ...change, updated_at: now() })
      .where('id', '=', id)
      .where('status', '<>', 'sent')
      .execute();
  }

  return async (ctx) => {
    const { deliveryId } = ctx.payload as NotifyJobPayload;
    const delivery = await db
      .selectFrom('notify_deliveries')
      .selectAll()
      .where('id', '=', deliveryId)
      .executeTakeFirst();
    if (!delivery) {
      await ctx.log('the delivery is gone (its app or channel was removed): nothing to send');
      return { skipped: 'gone' };
    }
    if (delivery.status === 'sent' || delivery.status === 'failed') {
      await ctx.log(`the delivery is ${delivery.status} already: not sent again`);
      return { skipped: delivery.status };
    }
    const channel = await db
      .selectFrom('notify_channels')
      .selectAll()
      .where('id', '=', delivery.channel_id)
      .executeTakeFirst();
    if (!channel || Number(channel.enabled) !== 1) {
      const why = channel ? 'the channel is disabled' : 'the channel was removed';
      await mark(deliveryId, { status: 'failed', last_error: why });
      await ctx.log(`${why}: not sent`, 'warn');
      return { skipped: 'channel' };
    }
    await mark(deliveryId, { attempts: ctx.attempt });

    let config: OpenConfig;
    try {
      config = openConfig(deps.secretBox, channel);
    } catch (err) {
      await mark(deliveryId, { status: 'failed', last_error: "the channel's secrets cannot be decrypted" });
      throw permanentFailure("the channel's secrets cannot be decrypted", {
        cause: err,
        code: 'SECRET_UNREADABLE',
      });
    }
    const notice = JSON.parse(delivery.event) as Notice;
    const language = channel.language as NotifyLanguage;
    try {
      await send(
        config,
        {
          deliveryId,
          type: notice.type,
          ...(notice.type === 'test' ? {} : { event: notice }),
          language,
          rendered: render(notice, language),
        },
        { timeoutMs: deps.timeoutMs, signal: ctx.signal, now: now() },
      );
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const known = err instanceof SendError;
      if (!known) deps.logger.warn({ err, deliveryId }, 'notification send failed unexpectedly');
      const message = known ? err.message : 'sending failed unexpectedly (berthd logged it)';
      const permanent = known && err.permanent;
      const last = permanent || ctx.attempt >= ctx.job.maxAttempts;
      await mark(deliveryId, { status: last ? 'failed' : 'retrying', last_error: clipError(message) });
      await ctx.log(`attempt ${ctx.attempt} to ${channel.name}: ${message}`, last ? 'error' : 'warn');
      if (permanent) throw permanentFailure(message, { code: 'NOTIFY_SEND_FAILED', reported: true });
      throw new BerthError('NOTIFY_SEND_FAILED', message);
    }
    const sentAt = now();
    await mark(deliveryId, { status: 'sent', sent_at: sentAt });
    await ctx.log(`sent to ${channel.name} (${channel.kind})`);
    return { sent: true, sentAt };
  };
}
