// Keyset pagination, the one way every list of the API pages: a page is ordered by a key that ends
// in a unique column, and the opaque cursor (base64url of the list's name and the last item's key)
// asks for the items after that key. Unlike OFFSET, an item added between two pages neither repeats
// an item nor hides one. Used for SQL lists (`keysetPage`) and for short lists built in memory
// (`keysetPageOf`), so both answer with the same cursors and the same INVALID_CURSOR.
import { PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, type PageQuery } from '@berth/sdk';
import { type SelectQueryBuilder, type SqlBool, sql } from 'kysely';
import { BerthError } from '../errors.ts';

export type KeyValue = string | number;
export type KeyType = 'string' | 'number';

export interface Page<T> {
  items: T[];
  /** Absent on the last page. */
  nextCursor?: string;
}

/** How a list is ordered: the columns of its key (the last one unique), all in one direction. */
export interface Keyset<R> {
  /** Written into the cursor, so one list's cursor is refused by another. */
  list: string;
  order: 'asc' | 'desc';
  /** For SQL lists: the columns, e.g. `deploys.created_at`; for lists in memory only their types. */
  columns: readonly { ref?: string; type: KeyType }[];
  keyOf(item: R): KeyValue[];
}

/** The keyset of a SQL list shown newest first: by a time (epoch ms), ties broken by a unique id. */
export function newestFirst<R>(
  list: string,
  refs: { time: string; id: string },
  keyOf: (item: R) => [time: number | string, id: string],
): Keyset<R> {
  return {
    list,
    order: 'desc',
    columns: [
      { ref: refs.time, type: 'number' },
      { ref: refs.id, type: 'string' },
    ],
    keyOf: (item) => {
      const [time, id] = keyOf(item);
      return [Number(time), id];
    },
  };
}

/** `limit` as asked, within 1..PAGE_LIMIT_MAX; PAGE_LIMIT_DEFAULT when left out. */
function pageLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return PAGE_LIMIT_DEFAULT;
  return Math.min(Math.max(Math.trunc(limit), 1), PAGE_LIMIT_MAX);
}

function encodeCursor(list: string, key: KeyValue[]): string {
  return Buffer.from(JSON.stringify([list, ...key]), 'utf8').toString('base64url');
}

/** The key a cursor names; INVALID_CURSOR unless it is one this list could have returned. */
function decodeCursor(list: string, cursor: string, types: readonly KeyType[]): KeyValue[] {
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new Error('not base64url');
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== types.length + 1 || parsed[0] !== list) {
    throw invalidCursor();
  }
  const key = parsed.slice(1) as unknown[];
  const fits = key.every((v, i) =>
    types[i] === 'number' ? Number.isSafeInteger(v) : typeof v === 'string' && v.length <= 512,
  );
  if (!fits) throw invalidCursor();
  return key as KeyValue[];
}

function invalidCursor(): BerthError {
  return new BerthError('INVALID_CURSOR');
}

/** One page of a SQL list: orders `query` by the keyset, starts after the cursor, reads limit + 1. */
export async function keysetPage<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  keyset: Keyset<NoInfer<O>>,
  page: PageQuery = {},
): Promise<Page<O>> {
  const limit = pageLimit(page.limit);
  const refs = keyset.columns.map((c) => {
    if (c.ref === undefined) throw new Error(`keyset ${keyset.list}: a SQL list names its columns`);
    return sql.ref(c.ref);
  });
  let q = query;
  if (page.cursor !== undefined) {
    const key = decodeCursor(
      keyset.list,
      page.cursor,
      keyset.columns.map((c) => c.type),
    );
    q = q.where(afterKey(refs, key, keyset.order));
  }
  for (const ref of refs) q = q.orderBy(ref, keyset.order);
  const rows = await q.limit(limit + 1).execute();
  return cut(rows, limit, keyset);
}

/** One page of a list held in memory, ordered by the keyset (strings by code unit). */
export function keysetPageOf<T>(items: readonly T[], keyset: Keyset<T>, page: PageQuery = {}): Page<T> {
  const limit = pageLimit(page.limit);
  const sign = keyset.order === 'asc' ? 1 : -1;
  const sorted = items
    .map((item) => ({ item, key: keyset.keyOf(item) }))
    .sort((a, b) => sign * compareKeys(a.key, b.key));
  let from = 0;
  if (page.cursor !== undefined) {
    const after = decodeCursor(
      keyset.list,
      page.cursor,
      keyset.columns.map((c) => c.type),
    );
    from = sorted.findIndex((e) => sign * compareKeys(e.key, after) > 0);
    if (from < 0) from = sorted.length;
  }
  return cut(
    sorted.slice(from, from + limit + 1).map((e) => e.item),
    limit,
    keyset,
  );
}

function cut<T>(rows: T[], limit: number, keyset: Keyset<T>): Page<T> {
  if (rows.length <= limit) return { items: rows };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(keyset.list, keyset.keyOf(items[limit - 1]!)) };
}

function compareKeys(a: KeyValue[], b: KeyValue[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

/** `(a, b) < (x, y)` spelled out as `a < x or (a = x and b < y)`, which every dialect plans well. */
function afterKey(refs: ReturnType<typeof sql.ref>[], key: KeyValue[], order: 'asc' | 'desc') {
  const op = sql.raw(order === 'asc' ? '>' : '<');
  const branches = refs.map((ref, i) => {
    const equal = refs.slice(0, i).map((r, j) => sql`${r} = ${key[j]}`);
    return sql`(${sql.join([...equal, sql`${ref} ${op} ${key[i]}`], sql` and `)})`;
  });
  return sql<SqlBool>`(${sql.join(branches, sql` or `)})`;
}

/** A page as the API answers it: `{ [name]: items, nextCursor? }`. */
export function pageBody<K extends string, T>(
  name: K,
  page: Page<T>,
): Record<K, T[]> & { nextCursor?: string } {
  const body = { [name]: page.items } as Record<K, T[]> & { nextCursor?: string };
  if (page.nextCursor !== undefined) body.nextCursor = page.nextCursor;
  return body;
}

/** The same page with its items turned into what the API shows. */
export async function mapPage<T, U>(
  page: Page<T>,
  map: (items: T[]) => U[] | Promise<U[]>,
): Promise<Page<U>> {
  const items = await map(page.items);
  return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
}
