// Permission requests of API gateway calls (/apigw?tab=requests): the requests the user may see
// (developers: those of their apps, as callers or owners), newest first, filtered by status (open by
// default), calling app and system (kept in the address); "Ask for permission" opens the request
// form, and the decisions a user is offered on an open request (request-view.ts) open the decision
// form. A decision replaces its row with the API's answer. Reasons are their writers' words, in
// whatever language they wrote them (translate=no).
import { PlusOutlined } from '@ant-design/icons';
import type { ApigwPermissionRequest } from '@berth/sdk';
import { allItems } from '@berth/sdk/client';
import { Button, Flex, Select, Table, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { useUser } from '../../app/session.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useFeedback } from '../../components/feedback.tsx';
import { ToneTag } from '../../components/ToneTag.tsx';
import { useAsync } from '../../components/use-async.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { AppSystemFilters } from './AppSystemFilters.tsx';
import { apigwMessages } from './apigw-messages.ts';
import { type DecisionKind, DecisionModal } from './DecisionModal.tsx';
import { RequestModal } from './RequestModal.tsx';
import {
  grantsOfAppPath,
  REQUEST_FILERS,
  REQUEST_STATUS_LIST,
  requestDecisions,
  requestStatusFilter,
  requestStatusTone,
  requestTarget,
} from './request-view.ts';

const STATUS_LABEL = {
  requested: 'statusRequested',
  approved: 'statusApproved',
  refused: 'statusRefused',
  withdrawn: 'statusWithdrawn',
} as const;
const DONE_MESSAGE = { approve: 'approvedMsg', refuse: 'refusedMsg', withdraw: 'withdrawnMsg' } as const;

export function RequestsTab({ onChanged }: { onChanged(): void }) {
  const api = useApi();
  const user = useUser();
  const t = useMessages(apigwMessages);
  const format = useFormat();
  const feedback = useFeedback();
  const [params, setParams] = useSearchParams();
  const status = requestStatusFilter(params.get('status'));
  const app = params.get('app') ?? '';
  const system = params.get('system') ?? '';
  const [appText, setAppText] = useState(app);
  const [asking, setAsking] = useState(0);
  const [deciding, setDeciding] = useState<{ kind: DecisionKind; request: ApigwPermissionRequest }>();
  // Each decision gets a fresh form (its own key): no reason typed for an earlier one stays behind.
  // The last one is kept while its form closes.
  const [decisions, setDecisions] = useState(0);
  const [decisionOpen, setDecisionOpen] = useState(false);
  const canFile = REQUEST_FILERS.includes(user.role);

  const systems = useAsync(async () => (await api.listApigwSystems()).items, [api]);
  // A developer's app list holds the apps they build: what decides which buttons they are offered.
  const myApps = useAsync(
    async () =>
      user.role === 'developer'
        ? new Set(
            (await allItems('apps', (page) => api.listApps({ ...page, limit: 100 }))).map((a) => a.code),
          )
        : undefined,
    [api, user.role],
  );
  const requests = useAsync(
    async () =>
      (
        await api.listApigwPermissionRequests({
          ...(status === 'all' ? {} : { status }),
          ...(app ? { app } : {}),
          ...(system ? { system } : {}),
        })
      ).items,
    [api, status, app, system],
  );
  const owners = useMemo(
    () => new Map((systems.data ?? []).map((s) => [s.name, s.owner] as const)),
    [systems.data],
  );

  const setFilter = (key: 'app' | 'system' | 'status', value: string) => {
    const next = new URLSearchParams(params);
    next.set('tab', 'requests');
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  // While a developer's apps load, only what needs none of them (withdrawing their own) is offered;
  // when they cannot be read, everything is, and the API answers.
  const viewer = {
    role: user.role,
    username: user.username,
    apps: myApps.error ? undefined : (myApps.data ?? new Set<string>()),
  };
  const decide = (kind: DecisionKind, request: ApigwPermissionRequest) => {
    setDecisions((n) => n + 1);
    setDeciding({ kind, request });
    setDecisionOpen(true);
  };

  return (
    <>
      <Flex gap={8} wrap align="center" style={{ marginBottom: 16 }}>
        <Select
          value={status}
          onChange={(value: string) => setFilter('status', value === 'requested' ? '' : value)}
          aria-label={t('filterStatus')}
          data-testid="apigw-requests-status"
          style={{ minWidth: 160 }}
          options={[
            ...REQUEST_STATUS_LIST.map((s) => ({ value: s, label: t(STATUS_LABEL[s]) })),
            { value: 'all', label: t('statusAll') },
          ]}
        />
        <AppSystemFilters
          testIdPrefix="apigw-requests"
          appText={appText}
          setAppText={setAppText}
          system={system}
          onFilter={setFilter}
          systems={systems}
        />
        {canFile ? (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => setAsking((n) => n + 1)}
            data-testid="apigw-request-add"
          >
            {t('askPermission')}
          </Button>
        ) : null}
      </Flex>
      {requests.error ? (
        <ErrorAlert error={requests.error} onRetry={requests.reload} />
      ) : (
        <Table<ApigwPermissionRequest>
          data-testid="apigw-requests-table"
          rowKey="id"
          loading={requests.loading}
          dataSource={requests.data ?? []}
          pagination={false}
          scroll={{ x: 'max-content' }}
          onRow={(r) => ({ 'data-testid': `apigw-request-row-${r.id}` }) as React.HTMLAttributes<HTMLElement>}
          locale={{ emptyText: requests.loading ? ' ' : <EmptyState description={t('requestsEmpty')} /> }}
          columns={[
            {
              title: t('colCaller'),
              key: 'app',
              render: (_, r) => <Typography.Text code>{r.app}</Typography.Text>,
            },
            {
              title: t('colTarget'),
              key: 'target',
              render: (_, r) =>
                r.component === null ? (
                  <Flex gap={4} align="center">
                    {r.system}
                    <ToneTag tone="purple">{t('everyComponent')}</ToneTag>
                  </Flex>
                ) : (
                  requestTarget(r)
                ),
            },
            {
              title: t('colUntil'),
              key: 'until',
              render: (_, r) => (r.expiresAt === null ? t('noExpiry') : format.dateTime(r.expiresAt)),
            },
            {
              title: t('colReason'),
              key: 'reason',
              render: (_, r) => (
                <Typography.Paragraph
                  translate="no"
                  style={{ maxWidth: 240, margin: 0, whiteSpace: 'pre-wrap' }}
                >
                  {r.reason}
                </Typography.Paragraph>
              ),
            },
            {
              title: t('filterStatus'),
              key: 'status',
              render: (_, r) => (
                <ToneTag tone={requestStatusTone(r.status)} testId={`apigw-request-status-${r.id}`}>
                  {t(STATUS_LABEL[r.status])}
                </ToneTag>
              ),
            },
            {
              title: t('colRequestedBy'),
              key: 'requested',
              render: (_, r) => (
                <Flex vertical>
                  <span>{r.requestedBy}</span>
                  <Typography.Text type="secondary">{format.dateTime(r.createdAt)}</Typography.Text>
                </Flex>
              ),
            },
            {
              title: t('colDecision'),
              key: 'decision',
              render: (_, r) =>
                r.decidedBy === null ? (
                  '—'
                ) : (
                  <Flex vertical gap={2} data-testid={`apigw-request-decision-${r.id}`}>
                    <span>{r.decidedBy}</span>
                    {r.decidedAt === null ? null : (
                      <Typography.Text type="secondary">{format.dateTime(r.decidedAt)}</Typography.Text>
                    )}
                    {r.decisionReason ? (
                      <span translate="no" style={{ maxWidth: 240, whiteSpace: 'pre-wrap' }}>
                        {r.decisionReason}
                      </span>
                    ) : null}
                    {r.grantId ? (
                      <Link
                        to={grantsOfAppPath(r.app)}
                        style={{ whiteSpace: 'nowrap' }}
                        data-testid={`apigw-request-grant-${r.id}`}
                      >
                        {t('grantLink', { id: r.grantId })}
                      </Link>
                    ) : null}
                  </Flex>
                ),
            },
            ...(canFile
              ? [
                  {
                    title: t('colActions'),
                    key: 'actions',
                    render: (_: unknown, r: ApigwPermissionRequest) => {
                      const offered = requestDecisions(r, owners.get(r.system), viewer);
                      return (
                        <Flex gap={4}>
                          {offered.approve ? (
                            <Button
                              size="small"
                              type="primary"
                              onClick={() => decide('approve', r)}
                              data-testid={`apigw-request-approve-${r.id}`}
                            >
                              {t('approve')}
                            </Button>
                          ) : null}
                          {offered.refuse ? (
                            <Button
                              size="small"
                              danger
                              onClick={() => decide('refuse', r)}
                              data-testid={`apigw-request-refuse-${r.id}`}
                            >
                              {t('refuse')}
                            </Button>
                          ) : null}
                          {offered.withdraw ? (
                            <Button
                              size="small"
                              onClick={() => decide('withdraw', r)}
                              data-testid={`apigw-request-withdraw-${r.id}`}
                            >
                              {t('withdraw')}
                            </Button>
                          ) : null}
                        </Flex>
                      );
                    },
                  },
                ]
              : []),
          ]}
        />
      )}
      <RequestModal
        key={asking}
        open={asking > 0}
        systems={systems.data ?? []}
        initialSystem={system}
        onClose={() => setAsking(0)}
        onRequested={(r) => {
          setAsking(0);
          requests.reload();
          onChanged();
          feedback.success(t('asked', { app: r.app, scope: requestTarget(r) }));
        }}
      />
      <DecisionModal
        key={decisions}
        open={decisionOpen}
        decision={deciding}
        onClose={() => setDecisionOpen(false)}
        onFailed={() => {
          requests.reload();
          onChanged();
        }}
        onDecided={(kind, decided) => {
          setDecisionOpen(false);
          requests.setData((requests.data ?? []).map((r) => (r.id === decided.id ? decided : r)));
          onChanged();
          feedback.success(t(DONE_MESSAGE[kind], { app: decided.app, scope: requestTarget(decided) }));
        }}
      />
    </>
  );
}
