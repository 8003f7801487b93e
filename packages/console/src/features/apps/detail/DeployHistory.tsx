// An environment's deploys, newest first, a page at a time ("load more"); a row opens the deploy.
import type { App, Deploy, EnvName } from '@berth/sdk';
import { Card, Space, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { useApi } from '../../../api/ApiProvider.tsx';
import { EmptyState } from '../../../components/EmptyState.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { LoadMore } from '../../../components/LoadMore.tsx';
import { useCursorList } from '../../../components/use-cursor-list.ts';
import { useFormat } from '../../../i18n/format-hooks.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { envMessages } from '../env-messages.ts';
import { originMessages } from '../source/origin-messages.ts';
import { SourceOriginText } from '../source/SourceOriginText.tsx';
import { DeployStatusTag, useDeployKind, useDeployNote } from './deploy-labels.tsx';
import { deploysMessages } from './deploys-messages.ts';
import { requestFormMessages } from './request-messages.ts';

const PAGE_SIZE = 20;

export function DeployHistory({
  app,
  env,
  selected,
  refreshKey,
  onOpen,
}: {
  app: App;
  env: EnvName;
  selected: string | undefined;
  /** Changes when the list should be read again (a deploy started or changed status). */
  refreshKey: string;
  onOpen(deployId: string): void;
}) {
  const api = useApi();
  const t = useMessages(deploysMessages);
  const e = useMessages(envMessages);
  const format = useFormat();
  const kindLabel = useDeployKind();
  const note = useDeployNote();
  const r = useMessages(requestFormMessages);
  const o = useMessages(originMessages);
  const list = useCursorList<Deploy>(
    async (cursor) => {
      const page = await api.listDeploys(app.code, env, { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      return { items: page.deploys, nextCursor: page.nextCursor };
    },
    [api, app.code, env, refreshKey],
    { key: (d) => d.id },
  );
  /** Rows stay in place while a changed deploy reads the first page again. */
  const firstLoad = list.loading && list.items.length === 0;

  const columns = useMemo<ColumnsType<Deploy>>(
    () => [
      {
        key: 'id',
        title: t('id'),
        render: (_, d) => (
          <Link to={{ search: `?deploy=${encodeURIComponent(d.id)}` }} aria-label={t('open', { id: d.id })}>
            {d.id}
          </Link>
        ),
      },
      {
        key: 'status',
        title: t('status'),
        render: (_, d) => (
          <Space size={4} wrap>
            <DeployStatusTag status={d.status} />
            {d.request ? (
              <Link
                to={`/requests/${encodeURIComponent(d.id)}`}
                aria-label={r('openRequest', { id: d.id })}
                onClick={(ev) => ev.stopPropagation()}
              >
                <Tag color="gold">{r('requestTag')}</Tag>
              </Link>
            ) : null}
            {d.emergency ? (
              <Tag color="red" title={d.emergency.reason}>
                {r('emergencyTag')}
              </Tag>
            ) : null}
          </Space>
        ),
      },
      { key: 'kind', title: t('kind'), render: (_, d) => kindLabel(d.kind) },
      {
        key: 'release',
        title: t('release'),
        render: (_, d) => (d.release === undefined ? '—' : e('release', { version: d.release })),
      },
      {
        key: 'origin',
        title: o('originLabel'),
        render: (_, d) => (d.origin ? <SourceOriginText origin={d.origin} /> : '—'),
      },
      { key: 'description', title: t('descriptionLabel'), render: (_, d) => note(d), ellipsis: true },
      { key: 'by', title: t('by'), dataIndex: 'createdBy' },
      { key: 'when', title: t('when'), render: (_, d) => format.dateTime(d.createdAt) },
    ],
    [t, e, r, o, format, kindLabel, note],
  );

  return (
    <Card size="small" title={t('history')}>
      {list.error ? (
        <ErrorAlert error={list.error} onRetry={list.reload} />
      ) : (
        <>
          <Table<Deploy>
            rowKey="id"
            size="small"
            columns={columns}
            dataSource={list.items}
            loading={firstLoad}
            pagination={false}
            scroll={{ x: 'max-content' }}
            rowClassName={(d) => (d.id === selected ? 'ant-table-row-selected' : '')}
            onRow={(d) =>
              ({
                onClick: () => onOpen(d.id),
                style: { cursor: 'pointer' },
                'data-testid': `deploy-row-${d.id}`,
              }) as React.HTMLAttributes<HTMLElement>
            }
            locale={{
              emptyText: firstLoad ? ' ' : <EmptyState description={t('historyEmpty')} />,
            }}
          />
          <LoadMore list={list} testId="deploys-more" count="none" />
        </>
      )}
    </Card>
  );
}
