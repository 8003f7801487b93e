// The app's inbound webhook: the URL a git host posts to, its secret (revealed on request, audited,
// and rotated after a confirmation, for those allowed `source.write`), and the delivery log: what
// each delivery was, what Berth made of it and why, and the deploy it started.
import type { WebhookDelivery } from '@berth/sdk';
import { Button, Card, Flex, Skeleton, Table, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { useApi } from '../../../api/ApiProvider.tsx';
import { useConfirm } from '../../../components/confirm.tsx';
import { EmptyState } from '../../../components/EmptyState.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { LoadMore } from '../../../components/LoadMore.tsx';
import { SecretButtons } from '../../../components/SecretButtons.tsx';
import { ToneTag } from '../../../components/ToneTag.tsx';
import { useAsync } from '../../../components/use-async.ts';
import { useCursorList } from '../../../components/use-cursor-list.ts';
import { useFormat } from '../../../i18n/format-hooks.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { deployPath } from '../app-paths.ts';
import { CardTitle, CopyableCode } from './Field.tsx';
import { shortRef } from './origin-text.ts';
import { webhookMessages } from './source-messages.ts';
import { OUTCOME_TONES } from './webhook-tones.ts';

const PAGE_SIZE = 20;

export function WebhookCard({ code, writable }: { code: string; writable: boolean }) {
  const api = useApi();
  const t = useMessages(webhookMessages);
  const confirm = useConfirm();
  const feedback = useFeedback();
  const hook = useAsync(() => api.getWebhook(code), [api, code]);
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState<'reveal' | 'rotate' | undefined>(undefined);

  const reveal = async () => {
    setBusy('reveal');
    try {
      setSecret((await api.getWebhook(code, { reveal: true })).secret);
    } catch (err) {
      feedback.error(err);
    } finally {
      setBusy(undefined);
    }
  };

  const rotate = async () => {
    const ok = await confirm({
      title: t('rotateTitle', { app: code }),
      content: t('rotateText'),
      okText: t('rotateOk'),
      danger: true,
    });
    if (!ok) return;
    setBusy('rotate');
    try {
      setSecret((await api.rotateWebhookSecret(code)).secret);
      feedback.success(t('rotated'));
    } catch (err) {
      feedback.error(err);
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Card title={<CardTitle>{t('title')}</CardTitle>} data-testid="webhook-card">
      <Flex vertical gap={12}>
        <Typography.Paragraph style={{ margin: 0 }}>{t('text')}</Typography.Paragraph>
        {hook.error ? <ErrorAlert error={hook.error} onRetry={hook.reload} /> : null}
        {!hook.data && !hook.error ? <Skeleton active paragraph={{ rows: 1 }} /> : null}
        {hook.data ? (
          <div>
            <Typography.Text strong>{t('url')}: </Typography.Text>
            <CopyableCode text={hook.data.url} testId="webhook-url" />
          </div>
        ) : null}
        <div>
          <Typography.Text strong>{t('secret')}: </Typography.Text>
          {secret === undefined ? (
            <Typography.Text type="secondary">{t('secretHidden')}</Typography.Text>
          ) : (
            <CopyableCode text={secret} testId="webhook-secret" />
          )}
        </div>
        {writable ? (
          <SecretButtons
            shown={secret !== undefined}
            busy={busy}
            labels={{ reveal: t('reveal'), hide: t('hide'), rotate: t('rotate') }}
            testIdPrefix="webhook"
            onReveal={() => void reveal()}
            onHide={() => setSecret(undefined)}
            onRotate={() => void rotate()}
          />
        ) : (
          <Typography.Text type="secondary">{t('noAccess')}</Typography.Text>
        )}
        <WebhookDeliveries code={code} />
      </Flex>
    </Card>
  );
}

function WebhookDeliveries({ code }: { code: string }) {
  const api = useApi();
  const t = useMessages(webhookMessages);
  const format = useFormat();
  const list = useCursorList<WebhookDelivery>(
    async (cursor) => {
      const page = await api.listWebhookDeliveries(code, { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      return { items: page.deliveries, nextCursor: page.nextCursor };
    },
    [api, code],
    { key: (d) => d.id },
  );
  const none = <Typography.Text type="secondary">—</Typography.Text>;
  return (
    <div>
      <Flex justify="space-between" align="center" style={{ marginBottom: 8 }}>
        <Typography.Title level={3} style={{ fontSize: 15, margin: 0 }}>
          {t('deliveriesTitle')}
        </Typography.Title>
        <Button size="small" onClick={list.reload} data-testid="webhook-deliveries-refresh">
          {t('refresh')}
        </Button>
      </Flex>
      {list.error ? (
        <ErrorAlert error={list.error} onRetry={list.reload} />
      ) : (
        <>
          {/* The rows may hold nothing focusable (a refused delivery has no deploy): the region
              scrolls itself and takes the focus, so a keyboard can scroll it. */}
          <section
            aria-label={t('deliveriesTitle')}
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to be scrolled
            tabIndex={0}
            style={{ overflowX: 'auto' }}
          >
            <Table<WebhookDelivery>
              data-testid="webhook-deliveries"
              rowKey="id"
              size="small"
              loading={list.loading}
              dataSource={list.items}
              pagination={false}
              locale={{ emptyText: list.loading ? ' ' : <EmptyState description={t('deliveriesEmpty')} /> }}
              columns={[
                { title: t('colTime'), key: 'time', render: (_, d) => format.dateTime(d.receivedAt) },
                {
                  title: t('colProvider'),
                  key: 'provider',
                  render: (_, d) => (d.provider ? t(`provider.${d.provider}`) : t('providerUnknown')),
                },
                {
                  title: t('colEvent'),
                  key: 'event',
                  // The provider's own event name, as sent.
                  render: (_, d) => (d.event ? <Typography.Text code>{d.event}</Typography.Text> : none),
                },
                {
                  title: t('colRef'),
                  key: 'ref',
                  render: (_, d) =>
                    d.ref ? <Typography.Text title={d.ref}>{shortRef(d.ref)}</Typography.Text> : none,
                },
                {
                  title: t('colOutcome'),
                  key: 'outcome',
                  render: (_, d) => (
                    <ToneTag tone={OUTCOME_TONES[d.outcome]}>{t(`outcome.${d.outcome}`)}</ToneTag>
                  ),
                },
                {
                  title: t('colReason'),
                  key: 'reason',
                  render: (_, d) =>
                    d.reason || d.errorCode ? (
                      // berthd's own words, recorded with the delivery: not translated.
                      <span translate="no">
                        {d.errorCode ? <Typography.Text code>{d.errorCode}</Typography.Text> : null}{' '}
                        {d.reason ?? ''}
                      </span>
                    ) : (
                      none
                    ),
                },
                {
                  title: t('colDeploy'),
                  key: 'deploy',
                  render: (_, d) =>
                    d.deployId && (d.env === 'stag' || d.env === 'prod') ? (
                      <Link
                        to={deployPath(code, d.env, d.deployId)}
                        aria-label={t('openDeploy', { id: d.deployId })}
                      >
                        {d.deployId}
                      </Link>
                    ) : (
                      (d.deployId ?? none)
                    ),
                },
              ]}
            />
          </section>
          <LoadMore list={list} testId="webhook-deliveries-more" count="none" />
        </>
      )}
    </div>
  );
}
