// The foot of a keyset-paged list (see use-cursor-list.ts): how many are shown (unless the page
// says not to), a "load more" button while there are more, and the failure of a later page with
// its code and a retry (which takes the button's place).
import { Button, Flex, Typography } from 'antd';
import { useFormat } from '../i18n/format-hooks.ts';
import { useMessages } from '../i18n/I18nProvider.tsx';
import { ErrorAlert } from './ErrorAlert.tsx';
import { listMessages } from './list-messages.ts';
import type { CursorList } from './use-cursor-list.ts';

export function LoadMore({
  list,
  testId,
  shown,
  count = 'standard',
}: {
  list: CursorList<unknown>;
  testId: string;
  /** How many rows the page shows, when it hides some of the loaded items. */
  shown?: number;
  /**
   * The count line: 'standard' ("20 shown; there are more"), 'none' (a table that needs no count),
   * or the page's own words for the formatted count.
   */
  count?: 'standard' | 'none' | ((count: string) => string);
}) {
  const t = useMessages(listMessages);
  const format = useFormat();
  if (list.loading || list.error) return null;
  if (count === 'none' && !list.hasMore && !list.moreError) return null;
  const formatted = format.number(shown ?? list.items.length);
  const countText =
    count === 'none'
      ? undefined
      : count === 'standard'
        ? list.hasMore
          ? t('shownMore', { count: formatted })
          : t('shownAll', { count: formatted })
        : count(formatted);
  return (
    <Flex vertical gap={8} align="center" style={{ marginTop: 12 }}>
      {list.moreError ? <ErrorAlert error={list.moreError} onRetry={list.loadMore} /> : null}
      {countText === undefined ? null : <Typography.Text type="secondary">{countText}</Typography.Text>}
      {list.hasMore && !list.moreError ? (
        <Button onClick={list.loadMore} loading={list.loadingMore} data-testid={testId}>
          {t('loadMore')}
        </Button>
      ) : null}
    </Flex>
  );
}
