// Walking a paginated list: every list answers `{ [name]: items, nextCursor? }` and takes the
// nextCursor back as `cursor`; these helpers follow the cursors until the last page.
import type { PageQuery } from '../schemas/page.ts';

/** One page of a list as the API answers it. */
export type ListPage<K extends string, T> = { [P in K]: T[] } & { nextCursor?: string };

/**
 * Yields every item of a list, asking for one page at a time: `fetchPage` is called with the
 * query to send (`limit` as given, `cursor` from the previous page).
 */
export async function* eachItem<K extends string, T>(
  name: K,
  fetchPage: (page: PageQuery) => Promise<ListPage<K, T>>,
  options: { limit?: number } = {},
): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page: PageQuery = {};
    if (options.limit !== undefined) page.limit = options.limit;
    if (cursor !== undefined) page.cursor = cursor;
    const body = await fetchPage(page);
    yield* body[name];
    cursor = body.nextCursor;
  } while (cursor !== undefined);
}

/** Every item of a list, all pages read. */
export async function allItems<K extends string, T>(
  name: K,
  fetchPage: (page: PageQuery) => Promise<ListPage<K, T>>,
  options: { limit?: number } = {},
): Promise<T[]> {
  const items: T[] = [];
  for await (const item of eachItem(name, fetchPage, options)) items.push(item);
  return items;
}
