// A keyset-paged list shown a page at a time with "load more" (the API's `nextCursor`): the first
// page loads with the page (and again when `deps` change or on reload()), later pages append. A
// newer first load wins over an older one that answers late, and an unmounted list ignores both;
// changes made on the page patch the items without a reload. Every paged list of the console
// (account, admin, app tabs, deploy history, workbench) uses this one hook with <LoadMore>.
import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export interface Page<T> {
  items: T[];
  nextCursor?: string | undefined;
}

export interface CursorList<T> {
  items: T[];
  /** The first page's failure (shown instead of the list). */
  error: unknown;
  /** A later page's failure (shown under the list, with a retry). */
  moreError: unknown;
  loading: boolean;
  loadingMore: boolean;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
  /** Replaces the items (after a create, update or revoke whose answer carries the new state). */
  update(change: (items: T[]) => T[]): void;
}

export interface CursorListOptions<T> {
  /** Drops items of a later page whose key is already shown (a list whose head moves while paging). */
  key?: (item: T) => string;
}

export function useCursorList<T>(
  loadPage: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
  deps: DependencyList,
  options: CursorListOptions<T> = {},
): CursorList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(loadPage);
  loadRef.current = loadPage;
  const keyRef = useRef(options.key);
  keyRef.current = options.key;
  /** The abort of the current generation: a reload cancels the pages still coming. */
  const generation = useRef<AbortController | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to load
  useEffect(() => {
    const controller = new AbortController();
    generation.current = controller;
    setLoading(true);
    setError(undefined);
    setMoreError(undefined);
    setLoadingMore(false);
    loadRef.current(undefined, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setItems([]);
        setCursor(undefined);
        setError(err);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [...deps, tick]);

  const loadMore = useCallback(() => {
    const controller = generation.current;
    if (!controller || cursor === undefined || loadingMore) return;
    setLoadingMore(true);
    setMoreError(undefined);
    loadRef.current(cursor, controller.signal).then(
      (page) => {
        if (controller.signal.aborted) return;
        const key = keyRef.current;
        setItems((old) => appendPage(old, page.items, key));
        setCursor(page.nextCursor);
        setLoadingMore(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setMoreError(err);
        setLoadingMore(false);
      },
    );
  }, [cursor, loadingMore]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const update = useCallback((change: (items: T[]) => T[]) => setItems(change), []);
  return {
    items,
    error,
    moreError,
    loading,
    loadingMore,
    hasMore: cursor !== undefined,
    loadMore,
    reload,
    update,
  };
}

/** The items after a later page: appended, less those already shown when the list has a key. */
export function appendPage<T>(shown: readonly T[], page: readonly T[], key?: (item: T) => string): T[] {
  if (!key) return [...shown, ...page];
  const seen = new Set(shown.map(key));
  return [...shown, ...page.filter((item) => !seen.has(key(item)))];
}
