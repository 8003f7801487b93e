// A delivery history (a channel's or an app's), newest first, one keyset page at a time: the
// event, where it went, its status, attempts, last error and times.
import type { Delivery } from '@berth/sdk';
import { Table, Typography } from 'antd';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { ToneTag } from '../../components/ToneTag.tsx';
import type { CursorList } from '../../components/use-cursor-list.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { notifyMessages } from './notify-messages.ts';
import { DELIVERY_TONES } from './notify-rules.ts';

export function DeliveriesTable({
  list,
  show,
  testId,
}: {
  list: CursorList<Delivery>;
  /** The column that says where each went: the channel (an app's history) or the app (a channel's). */
  show: 'channel' | 'app';
  testId: string;
}) {
  const t = useMessages(notifyMessages);
  const format = useFormat();
  if (list.error) return <ErrorAlert error={list.error} onRetry={list.reload} />;
  const none = <Typography.Text type="secondary">—</Typography.Text>;
  return (
    <>
      <Table<Delivery>
        data-testid={testId}
        rowKey="id"
        size="small"
        loading={list.loading}
        dataSource={list.items}
        pagination={false}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: list.loading ? ' ' : <EmptyState description={t('deliveriesEmpty')} /> }}
        columns={[
          { title: t('colEvent'), key: 'type', render: (_, d) => t(`event.${d.type}`) },
          show === 'channel'
            ? {
                title: t('colChannel'),
                key: 'channel',
                render: (_, d) => d.channelName ?? t('channelGone'),
              }
            : { title: t('colApp'), key: 'app', render: (_, d) => d.app ?? none },
          { title: t('colEnv'), key: 'env', render: (_, d) => (d.env ? t(`env.${d.env}`) : none) },
          {
            title: t('colStatus'),
            key: 'status',
            render: (_, d) => <ToneTag tone={DELIVERY_TONES[d.status]}>{t(`status.${d.status}`)}</ToneTag>,
          },
          { title: t('colAttempts'), key: 'attempts', render: (_, d) => format.number(d.attempts) },
          {
            title: t('colLastError'),
            key: 'lastError',
            render: (_, d) =>
              d.lastError ? <Typography.Text type="danger">{d.lastError}</Typography.Text> : none,
          },
          { title: t('colCreated'), key: 'createdAt', render: (_, d) => format.dateTime(d.createdAt) },
          {
            title: t('colSent'),
            key: 'sentAt',
            render: (_, d) => (d.sentAt === null ? none : format.dateTime(d.sentAt)),
          },
        ]}
      />
      <LoadMore list={list} testId={`${testId}-load-more`} />
    </>
  );
}
