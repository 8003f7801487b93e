// The delivery log: one row per request to an app's hook URL, written as it arrives and updated with
// its outcome. Its unique keys are also how a replayed delivery is recognised: the second insert of a
// key fails, also when both arrive at once. Of each app the newest DELIVERIES_KEPT verified and the
// newest DELIVERIES_KEPT unverified deliveries are kept, apart: a flood of forged requests (anyone can
// send them) cannot push the verified rows, and with them their replay keys, out of the log.
import type { PageQuery, WebhookDelivery } from '@berth/sdk';
import type { Insertable, Kysely, Updateable } from 'kysely';
import { isUniqueViolation } from '../store/dialect.ts';
import { keepNewest } from '../store/keep-newest.ts';
import { keysetPage, mapPage, newestFirst, type Page } from '../store/keyset.ts';
import type { Database } from '../store/schema.ts';
import type { WebhookDeliveriesTable, WebhookDeliveryRow } from './tables.ts';

/** How many verified, and how many unverified, deliveries of one app the log keeps (older ones go
 *  as new ones arrive). */
export const DELIVERIES_KEPT = 200;

/** The longest reason kept. */
const REASON_MAX = 500;

const DELIVERY_KEYSET = newestFirst<WebhookDeliveryRow>(
  'webhook-deliveries',
  { time: 'received_at', id: 'id' },
  (r) => [r.received_at, r.id],
);

export type NewDelivery = Insertable<WebhookDeliveriesTable>;
export type DeliveryOutcome = Pick<
  Updateable<WebhookDeliveriesTable>,
  'outcome' | 'reason' | 'error_code' | 'ref' | 'commit_sha' | 'deploy_id' | 'env'
>;

/** `value` made safe to keep and show: no control characters, at most `max` characters. */
export function clean(value: string | undefined | null, max: number): string | null {
  if (value === undefined || value === null) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is removed
  const plain = value.replace(/[\x00-\x1f\x7f]/g, ' ');
  return plain.length <= max ? plain : `${plain.slice(0, max - 1)}…`;
}

export function clipReason(reason: string | null | undefined): string | null {
  return clean(reason, REASON_MAX);
}

export interface DeliveryLog {
  /** Writes the row; false when its replay or body key is taken (a replay), true otherwise. */
  insert(row: NewDelivery): Promise<boolean>;
  /** Marks failed (giving its keys up) a delivery with `row`'s keys that has been `received` since
   *  before `before`: the berthd handling it stopped halfway, and the host's redelivery may try again.
   *  True when there was one. */
  releaseStale(row: NewDelivery, before: number): Promise<boolean>;
  /** Records a delivery's outcome; a delivery that failed gives its keys up, so that the host's
   *  "redeliver" tries again. */
  finish(id: string, outcome: DeliveryOutcome, db?: Kysely<Database>): Promise<void>;
  list(code: string, page: PageQuery): Promise<Page<WebhookDelivery>>;
  /** The apps that have deliveries logged. */
  apps(): Promise<string[]>;
  forget(codes: readonly string[], db?: Kysely<Database>): Promise<void>;
}

export function createDeliveryLog(db: Kysely<Database>): DeliveryLog {
  /** Drops the app's verified (or unverified) deliveries beyond the newest DELIVERIES_KEPT. */
  async function trim(code: string, verified: number): Promise<void> {
    await keepNewest(db, {
      table: 'webhook_deliveries',
      group: { app_code: code, verified },
      timeColumn: 'received_at',
      keep: DELIVERIES_KEPT,
    });
  }

  return {
    async insert(row) {
      try {
        await db.insertInto('webhook_deliveries').values(row).execute();
      } catch (err) {
        if (isUniqueViolation(err)) return false;
        throw err;
      }
      await trim(row.app_code, row.verified);
      return true;
    },
    async releaseStale(row, before) {
      const released = await db
        .updateTable('webhook_deliveries')
        .set({
          outcome: 'failed',
          reason: 'berthd stopped while handling it',
          error_code: 'INTERNAL',
          replay_key: null,
          body_key: null,
        })
        .where('app_code', '=', row.app_code)
        .where('provider', '=', row.provider ?? '')
        .where('outcome', '=', 'received')
        .where('received_at', '<', before)
        .where((eb) =>
          eb.or([
            eb('replay_key', '=', row.replay_key ?? ''),
            ...(row.body_key ? [eb('body_key', '=', row.body_key)] : []),
          ]),
        )
        .executeTakeFirst();
      return Number(released.numUpdatedRows) > 0;
    },
    async finish(id, outcome, on = db) {
      const released = outcome.outcome === 'failed' ? { replay_key: null, body_key: null } : {};
      await on
        .updateTable('webhook_deliveries')
        .set({ ...outcome, ...released, reason: clipReason(outcome.reason) })
        .where('id', '=', id)
        .execute();
    },
    async list(code, page) {
      const query = db.selectFrom('webhook_deliveries').selectAll().where('app_code', '=', code);
      return mapPage(await keysetPage(query, DELIVERY_KEYSET, page), (rows) => rows.map(deliveryView));
    },
    async apps() {
      const rows = await db.selectFrom('webhook_deliveries').select('app_code').distinct().execute();
      return rows.map((r) => r.app_code);
    },
    async forget(codes, on = db) {
      if (codes.length === 0) return;
      await on.deleteFrom('webhook_deliveries').where('app_code', 'in', codes).execute();
    },
  };
}

function deliveryView(row: WebhookDeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    app: row.app_code,
    provider: row.provider as WebhookDelivery['provider'],
    event: row.event,
    deliveryId: row.delivery_id,
    bodySha256: row.body_sha256,
    receivedAt: Number(row.received_at),
    verified: Number(row.verified) === 1,
    outcome: row.outcome as WebhookDelivery['outcome'],
    reason: row.reason,
    errorCode: row.error_code,
    ref: row.ref,
    commit: row.commit_sha,
    deployId: row.deploy_id,
    env: row.env,
    remoteAddress: row.remote_address,
  };
}
