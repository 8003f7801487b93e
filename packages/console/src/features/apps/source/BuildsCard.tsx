// The app's builds, newest first, a page at a time: what each built (its origin), for which
// environment's deploy, its status, the release it made, and how often its artifact was reused.
import type { Build, BuildStatus } from '@berth/sdk';
import { Card, Table, Typography } from 'antd';
import { Link } from 'react-router';
import { useApi } from '../../../api/ApiProvider.tsx';
import { EmptyState } from '../../../components/EmptyState.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { LoadMore } from '../../../components/LoadMore.tsx';
import { type Tone, ToneTag } from '../../../components/ToneTag.tsx';
import { useCursorList } from '../../../components/use-cursor-list.ts';
import { useFormat } from '../../../i18n/format-hooks.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { deployPath } from '../app-paths.ts';
import { envMessages } from '../env-messages.ts';
import { CardTitle } from './Field.tsx';
import { SourceOriginText } from './SourceOriginText.tsx';
import { buildsMessages } from './source-messages.ts';

const PAGE_SIZE = 20;
const STATUS_TONES: Record<BuildStatus, Tone> = {
  running: 'blue',
  succeeded: 'green',
  failed: 'red',
  cancelled: 'amber',
};

export function BuildsCard({ code, refreshKey }: { code: string; refreshKey?: string }) {
  const api = useApi();
  const t = useMessages(buildsMessages);
  const e = useMessages(envMessages);
  const format = useFormat();
  const list = useCursorList<Build>(
    async (cursor) => {
      const page = await api.listBuilds(code, { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      return { items: page.builds, nextCursor: page.nextCursor };
    },
    [api, code, refreshKey],
    { key: (b) => b.id },
  );
  return (
    <Card title={<CardTitle>{t('title')}</CardTitle>} data-testid="builds-card">
      <Typography.Paragraph type="secondary">{t('text')}</Typography.Paragraph>
      {list.error ? (
        <ErrorAlert error={list.error} onRetry={list.reload} />
      ) : (
        <>
          <Table<Build>
            data-testid="builds-table"
            rowKey="id"
            size="small"
            loading={list.loading}
            dataSource={list.items}
            pagination={false}
            scroll={{ x: 'max-content' }}
            locale={{ emptyText: list.loading ? ' ' : <EmptyState description={t('empty')} /> }}
            onRow={(b) => ({ 'data-testid': `build-row-${b.id}` }) as React.HTMLAttributes<HTMLElement>}
            columns={[
              {
                title: t('colId'),
                key: 'id',
                render: (_, b) => (
                  <Link to={deployPath(code, b.env, b.deployId)}>
                    <Typography.Text code>{b.id}</Typography.Text>
                  </Link>
                ),
              },
              {
                title: t('colStatus'),
                key: 'status',
                render: (_, b) => <ToneTag tone={STATUS_TONES[b.status]}>{t(`status.${b.status}`)}</ToneTag>,
              },
              {
                title: t('colOrigin'),
                key: 'origin',
                render: (_, b) => <SourceOriginText origin={b.origin} />,
              },
              { title: t('colEnv'), key: 'env', render: (_, b) => e(b.env) },
              {
                title: t('colRelease'),
                key: 'release',
                render: (_, b) => (b.release === undefined ? '—' : e('release', { version: b.release })),
              },
              {
                title: t('colReused'),
                key: 'reused',
                render: (_, b) => t('reusedTimes', { count: format.number(b.reused) }),
              },
              { title: t('colCreated'), key: 'created', render: (_, b) => format.dateTime(b.createdAt) },
            ]}
          />
          <LoadMore list={list} testId="builds-more" count="none" />
        </>
      )}
    </Card>
  );
}
