// The deploy requests inbox (/requests): "To approve" (what the user may decide), "Mine" and "All
// pending", the tab kept in the address (?tab=); each a keyset-paged list whose row opens the
// request's page.
import type { Deploy } from '@berth/sdk';
import { Table, Tabs, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useCursorList } from '../../components/use-cursor-list.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { DeployStatusTag } from '../apps/detail/deploy-labels.tsx';
import { envMessages } from '../apps/env-messages.ts';
import { requestsMessages } from './messages.ts';
import { useRequestKind, useRequestWindow } from './request-labels.ts';

const INBOX_TABS = ['to-approve', 'mine', 'pending'] as const;
type InboxTab = (typeof INBOX_TABS)[number];
const TAB_LABEL = { 'to-approve': 'tabToApprove', mine: 'tabMine', pending: 'tabPending' } as const;
const TAB_EMPTY = { 'to-approve': 'emptyToApprove', mine: 'emptyMine', pending: 'emptyPending' } as const;
const PAGE_SIZE = 50;

function isInboxTab(value: string | null): value is InboxTab {
  return (INBOX_TABS as readonly (string | null)[]).includes(value);
}

export default function RequestsPage() {
  const t = useMessages(requestsMessages);
  const [params, setParams] = useSearchParams();
  const asked = params.get('tab');
  const tab: InboxTab = isInboxTab(asked) ? asked : 'to-approve';
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <Tabs
        activeKey={tab}
        aria-label={t('tabs')}
        onChange={(key) => setParams({ tab: key }, { replace: true })}
        items={INBOX_TABS.map((name) => ({
          key: name,
          label: <span data-testid={`requests-tab-${name}`}>{t(TAB_LABEL[name])}</span>,
          children: name === tab ? <RequestList filter={name} /> : null,
        }))}
      />
    </>
  );
}

function RequestList({ filter }: { filter: InboxTab }) {
  const api = useApi();
  const t = useMessages(requestsMessages);
  const e = useMessages(envMessages);
  const format = useFormat();
  const kind = useRequestKind();
  const windowOf = useRequestWindow();
  const list = useCursorList<Deploy>(
    async (cursor) => {
      const page = await api.listRequests({ filter, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      return { items: page.deploys, nextCursor: page.nextCursor };
    },
    [api, filter],
    { key: (d) => d.id },
  );

  const columns = useMemo<ColumnsType<Deploy>>(
    () => [
      {
        key: 'kind',
        title: t('kind'),
        render: (_, d) => (
          <Link to={`/requests/${encodeURIComponent(d.id)}`} aria-label={t('open', { id: d.id })}>
            {kind(d)}
          </Link>
        ),
      },
      {
        key: 'app',
        title: t('app'),
        render: (_, d) => <Typography.Text code>{d.app}</Typography.Text>,
      },
      { key: 'env', title: t('env'), render: (_, d) => e(d.env) },
      {
        key: 'note',
        title: t('note'),
        ellipsis: true,
        render: (_, d) => d.request?.note ?? '—',
      },
      { key: 'requester', title: t('requester'), dataIndex: 'createdBy' },
      { key: 'window', title: t('window'), render: (_, d) => windowOf(d) },
      {
        key: 'status',
        title: t('status'),
        render: (_, d) => <DeployStatusTag status={d.status} />,
      },
      { key: 'filed', title: t('filed'), render: (_, d) => format.dateTime(d.createdAt) },
    ],
    [t, e, format, kind, windowOf],
  );

  if (list.error) return <ErrorAlert error={list.error} onRetry={list.reload} />;
  return (
    <>
      <Table<Deploy>
        rowKey="id"
        size="small"
        data-testid={`requests-table-${filter}`}
        columns={columns}
        dataSource={list.items}
        loading={list.loading}
        pagination={false}
        scroll={{ x: 'max-content' }}
        onRow={(d) => ({ 'data-testid': `request-row-${d.id}` }) as React.HTMLAttributes<HTMLElement>}
        locale={{ emptyText: list.loading ? ' ' : <EmptyState description={t(TAB_EMPTY[filter])} /> }}
      />
      <LoadMore list={list} testId="requests-more" />
    </>
  );
}
