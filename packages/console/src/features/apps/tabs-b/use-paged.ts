// A keyset-paged list for a tab: the first page on load, more pages on "load more" (the API's
// `nextCursor`), reload() from the first page again. A newer load wins over an older one that
// answers late; an unmounted tab ignores both.
import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export interface Page<T> {
  items: T[];
  nextCursor?: string | undefined;
}

export interface PagedList<T> {
  items: T[];
  /** The first page's failure (shown instead of the list). */
  error: unknown;
  /** A later page's failure (shown beside the "load more" button). */
  moreError: unknown;
  loading: boolean;
  loadingMore: boolean;
  hasMore: boolean;
  loadMore(): void;
  reload(): void;
}

export function usePaged<T>(
  load: (cursor: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
  deps: DependencyList,
): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);
  const controller = useRef<AbortController | undefined>(undefined);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to load
  useEffect(() => {
    const mine = ++generation.current;
    controller.current?.abort();
    const abort = new AbortController();
    controller.current = abort;
    setLoading(true);
    setLoadingMore(false);
    setError(undefined);
    setMoreError(undefined);
    loadRef.current(undefined, abort.signal).then(
      (page) => {
        if (generation.current !== mine) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (err: unknown) => {
        if (generation.current !== mine) return;
        setError(err);
        setLoading(false);
      },
    );
    return () => {
      generation.current += 1;
      abort.abort();
    };
  }, [...deps, tick]);

  const loadMore = useCallback(() => {
    if (cursor === undefined || loadingMore) return;
    const mine = generation.current;
    const signal = controller.current?.signal ?? new AbortController().signal;
    setLoadingMore(true);
    setMoreError(undefined);
    loadRef.current(cursor, signal).then(
      (page) => {
        if (generation.current !== mine) return;
        setItems((old) => [...old, ...page.items]);
        setCursor(page.nextCursor);
        setLoadingMore(false);
      },
      (err: unknown) => {
        if (generation.current !== mine) return;
        setMoreError(err);
        setLoadingMore(false);
      },
    );
  }, [cursor, loadingMore]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { items, error, moreError, loading, loadingMore, hasMore: cursor !== undefined, loadMore, reload };
}
