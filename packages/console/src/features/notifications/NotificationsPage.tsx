// An app's notifications (/notifications?app=CODE, everyone): pick one of the apps you can see,
// then its subscriptions (channel, events, environments) and its delivery history. Subscribing,
// editing and unsubscribing follow the app's `notify.write` permission; the API decides anyway.
import { PlusOutlined } from '@ant-design/icons';
import type { Channel, Delivery, Subscription } from '@berth/sdk';
import { allItems } from '@berth/sdk/client';
import { Alert, Button, Flex, Select, Table, Typography } from 'antd';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { useConfirm } from '../../components/confirm.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useFeedback } from '../../components/feedback.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useAsync } from '../../components/use-async.ts';
import { useCursorList } from '../../components/use-cursor-list.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { DeliveriesTable } from './DeliveriesTable.tsx';
import { notifyMessages } from './notify-messages.ts';
import { canWriteNotify, channelsToSubscribe } from './notify-rules.ts';
import { SubscriptionModal } from './SubscriptionModal.tsx';
import { subscriptionsMessages } from './subscriptions-messages.ts';

function AppPicker({ value, onChange }: { value: string | undefined; onChange(code: string): void }) {
  const api = useApi();
  const t = useMessages(subscriptionsMessages);
  const [search, setSearch] = useState('');
  const apps = useAsync(() => api.listApps({ limit: 50, ...(search ? { q: search } : {}) }), [api, search]);
  return (
    <Flex vertical gap={8} style={{ marginBottom: 16 }}>
      {apps.error ? <ErrorAlert error={apps.error} onRetry={apps.reload} /> : null}
      <label htmlFor="notify-app">{t('app')}</label>
      <Select
        id="notify-app"
        data-testid="notify-app"
        showSearch={{ filterOption: false, onSearch: (text) => setSearch(text.trim()) }}
        placeholder={t('appPick')}
        style={{ maxWidth: 420 }}
        loading={apps.loading}
        value={value}
        onChange={onChange}
        notFoundContent={apps.loading ? null : t('noApps')}
        options={(apps.data?.apps ?? []).map((a) => ({ value: a.code, label: `${a.name} (${a.code})` }))}
      />
    </Flex>
  );
}

function AppNotifications({ app }: { app: string }) {
  const api = useApi();
  const t = useMessages(subscriptionsMessages);
  const n = useMessages(notifyMessages);
  const feedback = useFeedback();
  const confirm = useConfirm();
  // Each opening gets a fresh form (its own key): nothing typed into an earlier one stays behind.
  const [editing, setEditing] = useState<{ subscription?: Subscription } | undefined>(undefined);
  const [openings, setOpenings] = useState(0);
  const openModal = (subscription?: Subscription) => {
    setOpenings((count) => count + 1);
    setEditing(subscription ? { subscription } : {});
  };

  const perms = useAsync(() => api.appPermissions(app), [api, app]);
  const channels = useAsync(
    () => allItems('channels', (page) => api.listChannels({ ...page, limit: 200 })),
    [api],
  );
  const subs = useCursorList<Subscription>(
    async (cursor) => {
      const page = await api.listSubscriptions(app, { limit: 50, ...(cursor ? { cursor } : {}) });
      return { items: page.subscriptions, nextCursor: page.nextCursor };
    },
    [api, app],
  );
  const deliveries = useCursorList<Delivery>(
    async (cursor) => {
      const page = await api.listAppDeliveries(app, { limit: 50, ...(cursor ? { cursor } : {}) });
      return { items: page.deliveries, nextCursor: page.nextCursor };
    },
    [api, app],
    { key: (d) => d.id },
  );
  const canWrite = canWriteNotify(perms.data);
  const free: Channel[] = channelsToSubscribe(channels.data ?? [], subs.items);

  const onUnsubscribe = async (sub: Subscription) => {
    const names = { app, channel: sub.channelName };
    const ok = await confirm({
      title: t('unsubscribeTitle', names),
      content: t('unsubscribeText', names),
      okText: t('unsubscribe'),
      danger: true,
    });
    if (!ok) return;
    try {
      await api.unsubscribe(app, sub.channelId);
      subs.update((items) => items.filter((s) => s.channelId !== sub.channelId));
      feedback.success(t('unsubscribed', names));
    } catch (err) {
      feedback.error(err);
    }
  };

  const subscribeButton = canWrite ? (
    <Button
      type="primary"
      icon={<PlusOutlined />}
      disabled={channels.loading || free.length === 0}
      onClick={() => openModal()}
      data-testid="subscription-add"
    >
      {t('subscribe')}
    </Button>
  ) : null;

  return (
    <>
      {perms.error ? <ErrorAlert error={perms.error} onRetry={perms.reload} /> : null}
      {channels.error ? <ErrorAlert error={channels.error} onRetry={channels.reload} /> : null}
      {perms.data && !canWrite ? (
        <Alert type="info" showIcon title={t('readOnly', { app })} style={{ marginBottom: 16 }} />
      ) : null}
      <Flex justify="space-between" align="center" wrap gap={8} style={{ margin: '8px 0' }}>
        <Typography.Title level={2} style={{ fontSize: 18, margin: 0 }}>
          {t('subscriptionsTitle')}
        </Typography.Title>
        {subscribeButton}
      </Flex>
      {canWrite && !channels.loading && !channels.error && free.length === 0 ? (
        <Typography.Paragraph type="secondary">{t('noChannels')}</Typography.Paragraph>
      ) : null}
      {subs.error ? (
        <ErrorAlert error={subs.error} onRetry={subs.reload} />
      ) : (
        <>
          <Table<Subscription>
            data-testid="subscriptions-table"
            rowKey="channelId"
            loading={subs.loading}
            dataSource={subs.items}
            pagination={false}
            scroll={{ x: 'max-content' }}
            locale={{ emptyText: subs.loading ? ' ' : <EmptyState description={t('empty', { app })} /> }}
            columns={[
              {
                title: t('colChannel'),
                key: 'channel',
                render: (_, s) => (
                  <span>
                    <strong>{s.channelName}</strong>{' '}
                    <Typography.Text type="secondary">({n(`kind.${s.channelKind}`)})</Typography.Text>
                  </span>
                ),
              },
              {
                title: t('colEvents'),
                key: 'events',
                render: (_, s) => s.events.map((e) => n(`event.${e}`)).join(', '),
              },
              {
                title: t('colEnvs'),
                key: 'envs',
                render: (_, s) => s.envs.map((e) => n(`env.${e}`)).join(', '),
              },
              ...(canWrite
                ? [
                    {
                      title: t('colActions'),
                      key: 'actions',
                      render: (_: unknown, s: Subscription) => (
                        <Flex gap={4} wrap>
                          <Button
                            size="small"
                            onClick={() => openModal(s)}
                            data-testid={`subscription-edit-${s.channelName}`}
                          >
                            {t('edit')}
                          </Button>
                          <Button
                            size="small"
                            danger
                            onClick={() => void onUnsubscribe(s)}
                            data-testid={`subscription-delete-${s.channelName}`}
                          >
                            {t('unsubscribe')}
                          </Button>
                        </Flex>
                      ),
                    },
                  ]
                : []),
            ]}
          />
          <LoadMore list={subs} testId="subscriptions-load-more" count="none" />
        </>
      )}
      <Typography.Title level={2} style={{ fontSize: 18, margin: '24px 0 8px' }}>
        {n('deliveriesTitle')}
      </Typography.Title>
      <DeliveriesTable list={deliveries} show="channel" testId="app-deliveries" />
      <SubscriptionModal
        key={openings}
        app={app}
        open={editing !== undefined}
        subscription={editing?.subscription}
        channels={free}
        onClose={() => setEditing(undefined)}
        onSaved={(sub, created) => {
          setEditing(undefined);
          const names = { app, channel: sub.channelName };
          if (created) subs.reload();
          else subs.update((items) => items.map((s) => (s.channelId === sub.channelId ? sub : s)));
          feedback.success(t(created ? 'subscribed' : 'saved', names));
        }}
      />
    </>
  );
}

export default function NotificationsPage() {
  const t = useMessages(subscriptionsMessages);
  const [params, setParams] = useSearchParams();
  const app = params.get('app') ?? undefined;
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <AppPicker value={app} onChange={(code) => setParams({ app: code })} />
      {app ? <AppNotifications key={app} app={app} /> : <EmptyState description={t('appNone')} />}
    </>
  );
}
