// Logs that keep only the newest N rows of a group (an app's webhook deliveries, a component's API
// gateway errors): everything older than the N-th newest by (time, id) goes. The same query on
// every dialect: the row that is N+1-th newest is found first, then what is not newer is deleted
// (MySQL allows no LIMIT in a subquery of a DELETE).
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface KeepNewest {
  table: keyof Database & string;
  /** The group: columns and their values. */
  group: Record<string, string | number>;
  /** The epoch-ms column rows are ordered by (then by `id`). */
  timeColumn: string;
  keep: number;
}

/** Deletes the rows of the group beyond its newest `keep`; resolves when done. */
export async function keepNewest(db: Kysely<Database>, spec: KeepNewest): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: the table and its columns are the caller's
  const any = db as unknown as Kysely<any>;
  const { table, timeColumn: time, keep } = spec;
  const group = Object.entries(spec.group);
  let first = any.selectFrom(table).select([`${time} as at`, 'id']);
  for (const [column, value] of group) first = first.where(column, '=', value);
  const newestDropped = await first
    .orderBy(time, 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .offset(keep)
    .executeTakeFirst();
  if (!newestDropped) return;
  const at = Number(newestDropped.at);
  let drop = any.deleteFrom(table);
  for (const [column, value] of group) drop = drop.where(column, '=', value);
  await drop
    .where((eb) => eb.or([eb(time, '<', at), eb.and([eb(time, '=', at), eb('id', '<=', newestDropped.id)])]))
    .execute();
}
