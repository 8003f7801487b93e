// The one pagination contract of every list in the API: `?limit=` and an opaque `?cursor=` in, the
// items and `nextCursor` (absent on the last page) out. Lists are keyset-paginated: a cursor names
// the last item of a page, so a page never repeats or skips items when others are added meanwhile.
import {
  type TArray,
  type TOptional,
  type TProperties,
  type TSchema,
  type TString,
  Type,
} from '@sinclair/typebox';

/** Items per page when `limit` is left out. */
export const PAGE_LIMIT_DEFAULT = 100;
/** The largest `limit` a list accepts. */
export const PAGE_LIMIT_MAX = 500;

export const PageLimitSchema = Type.Integer({
  minimum: 1,
  maximum: PAGE_LIMIT_MAX,
  default: PAGE_LIMIT_DEFAULT,
  description: `Items per page (default ${PAGE_LIMIT_DEFAULT}, at most ${PAGE_LIMIT_MAX})`,
});
export const PageCursorSchema = Type.String({
  minLength: 1,
  maxLength: 1024,
  description: 'The nextCursor of the previous page (opaque); INVALID_CURSOR when it is not one',
});

/** The query string of a list: its own filters plus `limit` and `cursor`. */
export function pageQuerySchema<P extends TProperties>(filters: P) {
  return Type.Object(
    { ...filters, limit: Type.Optional(PageLimitSchema), cursor: Type.Optional(PageCursorSchema) },
    { additionalProperties: false },
  );
}

/** The answer of a list: `{ [name]: items, nextCursor? }`. */
export function pageSchema<K extends string, T extends TSchema>(name: K, item: T, description?: string) {
  const props = {
    [name]: Type.Array(item, description === undefined ? {} : { description }),
    nextCursor: Type.Optional(
      Type.String({ description: 'Pass as `cursor` for the next page; absent on the last page' }),
    ),
  } as Record<K, TArray<T>> & { nextCursor: TOptional<TString> };
  return Type.Object(props);
}

/** What every list accepts. */
export interface PageQuery {
  limit?: number;
  cursor?: string;
}

/** The query string of a list without filters of its own. */
export const PageQuerySchema = pageQuerySchema({});
