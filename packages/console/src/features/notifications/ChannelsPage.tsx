// Notification channels (/admin/channels, admins): the list with each channel's kind, language,
// masked target and state; add and edit (FormModal), enable/disable, delete (confirmed), send a
// test, and the channel's delivery history.
import { PlusOutlined } from '@ant-design/icons';
import type { Channel, Delivery } from '@berth/sdk';
import { Button, Flex, Modal, Table, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../../api/ApiProvider.tsx';
import { RequireRole } from '../../app/RequireRole.tsx';
import { useConfirm } from '../../components/confirm.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useFeedback } from '../../components/feedback.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { common } from '../../components/messages.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { ToneTag } from '../../components/ToneTag.tsx';
import { useCursorList } from '../../components/use-cursor-list.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { ChannelModal } from './ChannelModal.tsx';
import { channelsMessages } from './channels-messages.ts';
import { DeliveriesTable } from './DeliveriesTable.tsx';
import { notifyMessages } from './notify-messages.ts';
import { CHANNELS_PAGE_ROLES } from './page-roles.ts';

function byName(a: Channel, b: Channel): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function ChannelHistory({ channel, onClose }: { channel: Channel | undefined; onClose(): void }) {
  const api = useApi();
  const t = useMessages(channelsMessages);
  const c = useMessages(common);
  const id = channel?.id;
  const list = useCursorList<Delivery>(
    async (cursor) => {
      if (!id) return { items: [] };
      const page = await api.listChannelDeliveries(id, { limit: 50, ...(cursor ? { cursor } : {}) });
      return { items: page.deliveries, nextCursor: page.nextCursor };
    },
    [api, id],
    { key: (d) => d.id },
  );
  return (
    <Modal
      open={channel !== undefined}
      title={channel ? t('historyTitle', { name: channel.name }) : ''}
      onCancel={onClose}
      footer={
        <Flex justify="flex-end" gap={8}>
          <Button onClick={list.reload} data-testid="channel-deliveries-refresh">
            {c('refresh')}
          </Button>
          <Button type="primary" onClick={onClose}>
            {t('close')}
          </Button>
        </Flex>
      }
      width={1000}
      destroyOnHidden
    >
      <DeliveriesTable list={list} show="app" testId="channel-deliveries" />
    </Modal>
  );
}

function ChannelsList() {
  const api = useApi();
  const t = useMessages(channelsMessages);
  const n = useMessages(notifyMessages);
  const feedback = useFeedback();
  const confirm = useConfirm();
  // Each opening gets a fresh form (its own key): nothing typed into an earlier one stays behind.
  const [editing, setEditing] = useState<{ channel?: Channel } | undefined>(undefined);
  const [openings, setOpenings] = useState(0);
  const openModal = (channel?: Channel) => {
    setOpenings((count) => count + 1);
    setEditing(channel ? { channel } : {});
  };
  const [history, setHistory] = useState<Channel | undefined>(undefined);

  const list = useCursorList<Channel>(
    async (cursor) => {
      const page = await api.listChannels({ limit: 50, ...(cursor ? { cursor } : {}) });
      return { items: page.channels, nextCursor: page.nextCursor };
    },
    [api],
  );
  const replace = (channel: Channel) =>
    list.update((items) => items.map((c) => (c.id === channel.id ? channel : c)));

  const onToggle = async (channel: Channel) => {
    const disabling = channel.enabled;
    if (
      disabling &&
      !(await confirm({
        title: t('disableTitle', { name: channel.name }),
        content: t('disableText', { name: channel.name }),
        okText: t('disable'),
        danger: true,
      }))
    )
      return;
    try {
      const result = await api.updateChannel(channel.id, { enabled: !disabling });
      replace(result.channel);
      feedback.success(t(disabling ? 'disabledDone' : 'enabledDone', { name: channel.name }));
    } catch (err) {
      feedback.error(err);
    }
  };

  const onDelete = async (channel: Channel) => {
    const ok = await confirm({
      title: t('deleteTitle', { name: channel.name }),
      content: t('deleteText', { name: channel.name }),
      okText: t('delete'),
      danger: true,
    });
    if (!ok) return;
    try {
      await api.deleteChannel(channel.id);
      list.update((items) => items.filter((c) => c.id !== channel.id));
      feedback.success(t('deleted', { name: channel.name }));
    } catch (err) {
      feedback.error(err);
    }
  };

  const onTest = async (channel: Channel) => {
    try {
      await api.testChannel(channel.id);
      feedback.success(t('testQueued', { name: channel.name }));
      setHistory(channel);
    } catch (err) {
      feedback.error(err);
    }
  };

  const addButton = (testId?: string) => (
    <Button
      type="primary"
      icon={<PlusOutlined />}
      onClick={() => openModal()}
      {...(testId ? { 'data-testid': testId } : {})}
    >
      {t('add')}
    </Button>
  );

  const target = (channel: Channel) => {
    const config = channel.config;
    if (!config) return '—';
    if (config.kind === 'email') {
      return (
        <Flex vertical>
          <Typography.Text code>{`${config.host}:${config.port}`}</Typography.Text>
          <Typography.Text type="secondary">{config.to.join(', ')}</Typography.Text>
          {config.passwordSet ? <ToneTag tone="gray">{t('passwordSet')}</ToneTag> : null}
        </Flex>
      );
    }
    return (
      <Flex gap={4} wrap align="center">
        {config.kind === 'robot' ? <span>{n(`flavour.${config.flavour}`)}</span> : null}
        <Typography.Text code>{config.url}</Typography.Text>
        {config.secretSet ? <ToneTag tone="gray">{t('secretSet')}</ToneTag> : null}
      </Flex>
    );
  };

  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} extra={addButton('channel-add')} />
      {list.error ? (
        <ErrorAlert error={list.error} onRetry={list.reload} />
      ) : (
        <>
          <Table<Channel>
            data-testid="channels-table"
            rowKey="id"
            loading={list.loading}
            dataSource={list.items}
            pagination={false}
            scroll={{ x: 'max-content' }}
            onRow={(c) => ({ 'data-testid': `channel-row-${c.name}` }) as React.HTMLAttributes<HTMLElement>}
            locale={{
              emptyText: list.loading ? ' ' : <EmptyState description={t('empty')} action={addButton()} />,
            }}
            columns={[
              { title: t('colName'), dataIndex: 'name', render: (name: string) => <strong>{name}</strong> },
              { title: t('colKind'), key: 'kind', render: (_, c) => n(`kind.${c.kind}`) },
              {
                title: t('colLanguage'),
                key: 'language',
                render: (_, c) => (c.language ? n(`language.${c.language}`) : '—'),
              },
              { title: t('colTarget'), key: 'target', responsive: ['lg'], render: (_, c) => target(c) },
              {
                title: t('colState'),
                key: 'state',
                render: (_, c) =>
                  c.enabled ? (
                    <ToneTag tone="green">{t('stateEnabled')}</ToneTag>
                  ) : (
                    <ToneTag tone="gray">{t('stateDisabled')}</ToneTag>
                  ),
              },
              {
                title: t('colActions'),
                key: 'actions',
                render: (_, c) => (
                  <Flex gap={4} wrap>
                    <Button size="small" onClick={() => openModal(c)} data-testid={`channel-edit-${c.name}`}>
                      {t('edit')}
                    </Button>
                    <Button
                      size="small"
                      onClick={() => void onTest(c)}
                      data-testid={`channel-test-${c.name}`}
                    >
                      {t('test')}
                    </Button>
                    <Button
                      size="small"
                      onClick={() => setHistory(c)}
                      data-testid={`channel-history-${c.name}`}
                    >
                      {t('history')}
                    </Button>
                    <Button
                      size="small"
                      danger={c.enabled}
                      onClick={() => void onToggle(c)}
                      data-testid={`channel-${c.enabled ? 'disable' : 'enable'}-${c.name}`}
                    >
                      {c.enabled ? t('disable') : t('enable')}
                    </Button>
                    <Button
                      size="small"
                      danger
                      onClick={() => void onDelete(c)}
                      data-testid={`channel-delete-${c.name}`}
                    >
                      {t('delete')}
                    </Button>
                  </Flex>
                ),
              },
            ]}
          />
          <LoadMore list={list} testId="channels-load-more" />
        </>
      )}
      <ChannelModal
        key={openings}
        open={editing !== undefined}
        channel={editing?.channel}
        onClose={() => setEditing(undefined)}
        onSaved={(channel, created) => {
          setEditing(undefined);
          if (created) list.update((items) => [...items, channel].sort(byName));
          else list.update((items) => items.map((c) => (c.id === channel.id ? channel : c)).sort(byName));
          feedback.success(t(created ? 'added' : 'saved', { name: channel.name }));
        }}
      />
      <ChannelHistory channel={history} onClose={() => setHistory(undefined)} />
    </>
  );
}

export default function ChannelsPage() {
  return (
    <RequireRole roles={CHANNELS_PAGE_ROLES}>
      <ChannelsList />
    </RequireRole>
  );
}
