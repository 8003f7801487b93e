// The foot of a keyset-paged list: how many are shown, a "load more" button while there are more,
// and the failure of a later page with a retry.
import { Button, Flex, Typography } from 'antd';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { listMessages } from './list-messages.ts';
import type { CursorList } from './use-cursor-list.ts';

export function LoadMore({
  list,
  testId,
  shown,
}: {
  list: CursorList<unknown>;
  testId?: string;
  /** How many rows the page shows, when it hides some of the loaded items. */
  shown?: number;
}) {
  const t = useMessages(listMessages);
  const format = useFormat();
  if (list.loading || list.error) return null;
  const count = format.number(shown ?? list.items.length);
  return (
    <Flex vertical gap={8} align="center" style={{ marginTop: 12 }}>
      {list.moreError ? <ErrorAlert error={list.moreError} onRetry={list.loadMore} /> : null}
      <Typography.Text type="secondary">
        {list.hasMore ? t('shownMore', { count }) : t('shownAll', { count })}
      </Typography.Text>
      {list.hasMore ? (
        <Button onClick={list.loadMore} loading={list.loadingMore} data-testid={testId ?? 'load-more'}>
          {t('loadMore')}
        </Button>
      ) : null}
    </Flex>
  );
}
