// What the rate limit tests read of the store: the tokens a bucket's row holds now.
import type { Store } from '../../src/store/store.ts';

export async function tokensOf(store: Store, bucket: string): Promise<number> {
  const row = await store.db
    .selectFrom('apigw_rate_buckets')
    .select('tokens_milli')
    .where('bucket', '=', bucket)
    .executeTakeFirstOrThrow();
  return Number(row.tokens_milli) / 1000;
}
