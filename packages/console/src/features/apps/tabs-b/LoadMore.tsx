// The foot of a keyset-paged table: "load more" while the API says there is a next page, and the
// next page's failure (with its code) beside it.
import { Button, Flex } from 'antd';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { tabsShared } from './shared-messages.ts';
import type { PagedList } from './use-paged.ts';

export function LoadMore({ list, testId }: { list: PagedList<unknown>; testId: string }) {
  const t = useMessages(tabsShared);
  if (!list.hasMore && !list.moreError) return null;
  return (
    <Flex vertical gap={8} align="center" style={{ marginTop: 12 }}>
      {list.moreError ? <ErrorAlert error={list.moreError} onRetry={list.loadMore} /> : null}
      {list.hasMore && !list.moreError ? (
        <Button onClick={list.loadMore} loading={list.loadingMore} data-testid={testId}>
          {t('loadMore')}
        </Button>
      ) : null}
    </Flex>
  );
}
