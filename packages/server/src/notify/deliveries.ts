// The delivery history: one row per notification and channel, written with its job in the caller's
// transaction, updated by the job as it tries; listed per app and per channel, newest first.
import type { Delivery, DeliveryStatus, PageQuery } from '@berth/sdk';
import type { Kysely } from 'kysely';
import type { JobQueue } from '../jobs/index.ts';
import { keysetPage, mapPage, newestFirst, type Page } from '../store/keyset.ts';
import type { Database } from '../store/schema.ts';
import { newDeliveryId } from './ids.ts';
import type { DeliveryRow } from './tables.ts';
import type { Notice } from './templates.ts';

export const NOTIFY_JOB_KIND = 'notify';

/** The job's payload: which delivery to send. */
export interface NotifyJobPayload {
  deliveryId: string;
}

/** The longest `last_error` kept. */
export const LAST_ERROR_MAX = 500;

const DELIVERY_KEYSET = newestFirst<DeliveryRow & { channel_name: string | null }>(
  'deliveries',
  { time: 'notify_deliveries.created_at', id: 'notify_deliveries.id' },
  (r) => [r.created_at, r.id],
);

export function clipError(message: string): string {
  return message.length <= LAST_ERROR_MAX ? message : `${message.slice(0, LAST_ERROR_MAX - 1)}…`;
}

function deliveryView(row: DeliveryRow & { channel_name: string | null }): Delivery {
  return {
    id: row.id,
    app: row.app_code,
    channelId: row.channel_id,
    channelName: row.channel_name,
    type: row.event_type as Delivery['type'],
    env: row.env as Delivery['env'],
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    jobId: row.job_id,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    sentAt: row.sent_at === null ? null : Number(row.sent_at),
  };
}

function selectDeliveries(db: Kysely<Database>) {
  return db
    .selectFrom('notify_deliveries')
    .leftJoin('notify_channels', 'notify_channels.id', 'notify_deliveries.channel_id')
    .selectAll('notify_deliveries')
    .select('notify_channels.name as channel_name');
}

/** One page of deliveries of an app or of a channel, newest first. */
export async function listDeliveries(
  db: Kysely<Database>,
  where: { app: string } | { channelId: string },
  page: PageQuery = {},
): Promise<Page<Delivery>> {
  const query =
    'app' in where
      ? selectDeliveries(db).where('notify_deliveries.app_code', '=', where.app)
      : selectDeliveries(db).where('notify_deliveries.channel_id', '=', where.channelId);
  return mapPage(await keysetPage(query, DELIVERY_KEYSET, page), (rows) => rows.map(deliveryView));
}

export async function findDelivery(db: Kysely<Database>, id: string): Promise<Delivery | undefined> {
  const row = await selectDeliveries(db).where('notify_deliveries.id', '=', id).executeTakeFirst();
  return row && deliveryView(row);
}

/** Writes a delivery and its job with `db` (the caller's transaction: both exist only if it commits). */
export async function queueDelivery(
  db: Kysely<Database>,
  queue: JobQueue,
  delivery: { channelId: string; notice: Notice; maxAttempts: number; now: number },
): Promise<string> {
  const { notice, now } = delivery;
  const id = newDeliveryId(now);
  const app = notice.type === 'test' ? null : notice.app;
  const payload: NotifyJobPayload = { deliveryId: id };
  const job = await queue.enqueue(NOTIFY_JOB_KIND, payload, {
    db,
    maxAttempts: delivery.maxAttempts,
    appCode: app,
  });
  await db
    .insertInto('notify_deliveries')
    .values({
      id,
      app_code: app,
      channel_id: delivery.channelId,
      event_type: notice.type,
      env: notice.type === 'test' ? null : notice.env,
      event: JSON.stringify(notice),
      status: 'pending',
      attempts: 0,
      last_error: null,
      job_id: job.id,
      created_at: now,
      updated_at: now,
      sent_at: null,
    })
    .execute();
  return id;
}
