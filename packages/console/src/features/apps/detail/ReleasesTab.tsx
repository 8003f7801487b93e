// The releases tab: an environment's numbered releases, newest first (keyset-paged), with a
// rollback to any earlier one and, on stag, the promotion of stag's current release to prod. Both
// start a deploy, whose live progress the deploys tab then shows; where the environment needs
// approval (env-actions.ts) they file a deploy request instead, and operators and admins may also
// roll back at once with a reason (an emergency rollback).
import type { Release } from '@berth/sdk';
import { Button, Flex, Space, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useApi } from '../../../api/ApiProvider.tsx';
import { useUser } from '../../../app/session.tsx';
import { useConfirm } from '../../../components/confirm.tsx';
import { EmptyState } from '../../../components/EmptyState.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { LoadMore } from '../../../components/LoadMore.tsx';
import { useCursorList } from '../../../components/use-cursor-list.ts';
import { useFormat } from '../../../i18n/format-hooks.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { appPath, deployPath } from '../app-paths.ts';
import { envMessages } from '../env-messages.ts';
import { canWriteApp } from '../tabs-b/can-write.ts';
import { releasesMessages } from '../tabs-b/releases-messages.ts';
import { tabsShared } from '../tabs-b/shared-messages.ts';
import { EmergencyRollbackModal } from './EmergencyRollbackModal.tsx';
import { mayRollBackInEmergency, type Way, wayTo, wayToPromote } from './env-actions.ts';
import { RequestDeployModal } from './RequestDeployModal.tsx';
import { ReleaseOrigin } from './release-origin.tsx';
import { requestFormMessages } from './request-messages.ts';
import type { AppTabProps } from './tab-props.ts';
import { useAppPermissions } from './use-app-permissions.ts';

const STATUS_KEY = { ready: 'statusReady', failed: 'statusFailed' } as const;

/** What the page asks for through a request form. */
type Asking = { kind: 'promote'; version: number } | { kind: 'rollback'; version: number };

export default function ReleasesTab({ app, env, showDeploy }: AppTabProps) {
  const api = useApi();
  const user = useUser();
  const t = useMessages(releasesMessages);
  const e = useMessages(envMessages);
  const envName = e(`${env}Short`);
  const r = useMessages(requestFormMessages);
  const ts = useMessages(tabsShared);
  const format = useFormat();
  const confirm = useConfirm();
  const feedback = useFeedback();
  const navigate = useNavigate();
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const writer = canWriteApp(user);
  const perms = useAppPermissions(app.code);
  const [asking, setAsking] = useState<Asking | undefined>(undefined);
  const [emergencyTo, setEmergencyTo] = useState<number | undefined>(undefined);
  // Without the permissions (their call failed) the page offers what it did before: the API decides.
  const fallback: Way = perms.error && writer ? 'direct' : 'none';
  const promoteWay = perms.data ? wayToPromote(perms.data) : fallback;
  const rollbackWay = perms.data ? wayTo(perms.data, env, 'rollback') : fallback;
  const emergency = mayRollBackInEmergency(perms.data, env);

  const list = useCursorList<Release>(
    async (cursor) => {
      const page = await api.listReleases(app.code, env, cursor ? { cursor } : {});
      return { items: page.releases, nextCursor: page.nextCursor };
    },
    [api, app.code, env],
  );
  const current = list.items.find((r) => r.current);

  const rollback = async (release: Release) => {
    const params = { env: envName, app: app.code, version: release.version, current: current?.version ?? '' };
    const ok = await confirm({
      title: t('rollbackTitle', { version: release.version }),
      content: current ? t('rollbackText', params) : t('rollbackTextNoCurrent', params),
      okText: t('rollbackOk'),
      danger: true,
    });
    if (!ok) return;
    setBusy(`rollback-${release.version}`);
    try {
      const { deploy } = await api.rollback(app.code, env, { version: release.version });
      feedback.success(t('rollbackStarted', { version: release.version }));
      showDeploy(deploy.id);
    } catch (err) {
      feedback.error(err);
    } finally {
      setBusy(undefined);
    }
  };

  const promote = async () => {
    if (!current) return;
    if (promoteWay === 'request') {
      setAsking({ kind: 'promote', version: current.version });
      return;
    }
    const ok = await confirm({
      title: t('promoteTitle', { app: app.code }),
      content: t('promoteText', { version: current.version }),
      okText: t('promoteOk'),
      danger: true,
    });
    if (!ok) return;
    setBusy('promote');
    try {
      const { deploy } = await api.promote(app.code);
      feedback.success(t('promoteStarted'));
      navigate(deployPath(app.code, 'prod', deploy.id));
    } catch (err) {
      feedback.error(err);
    } finally {
      setBusy(undefined);
    }
  };

  if (list.error) return <ErrorAlert error={list.error} onRetry={list.reload} />;

  const processes = (release: Release) => {
    const entries = Object.entries(release.processes);
    if (entries.length === 0) return <Typography.Text type="secondary">{t('noProcesses')}</Typography.Text>;
    return (
      <Space size={4} wrap>
        {entries.map(([type, count]) => (
          <Tag key={type}>
            {type} × {format.number(count)}
          </Tag>
        ))}
      </Space>
    );
  };

  return (
    <div>
      {perms.data?.envs[env].approval ? (
        <Typography.Paragraph type="secondary" data-testid="needs-approval">
          {r('needsApproval', { env: e(env) })}
        </Typography.Paragraph>
      ) : null}
      {env === 'stag' && promoteWay !== 'none' ? (
        <Flex gap={12} wrap align="center" style={{ marginBottom: 12 }}>
          <Button
            type="primary"
            onClick={promote}
            disabled={!current || busy !== undefined}
            loading={busy === 'promote'}
            data-testid="promote-button"
          >
            {promoteWay === 'request' ? r('requestPromotion') : t('promote')}
          </Button>
          {!list.loading && !current ? (
            <Typography.Text type="secondary">{t('promoteNeedsCurrent')}</Typography.Text>
          ) : null}
        </Flex>
      ) : null}
      <Table<Release>
        data-testid="releases-table"
        aria-label={t('releasesOf', { env: envName })}
        rowKey="version"
        loading={list.loading}
        dataSource={list.items}
        pagination={false}
        scroll={{ x: 'max-content' }}
        onRow={(r) => ({ 'data-testid': `release-row-${r.version}` }) as React.HTMLAttributes<HTMLElement>}
        locale={{
          emptyText: (
            <EmptyState
              description={t('empty', { env: envName })}
              action={
                writer ? (
                  <Button
                    type="primary"
                    onClick={() => navigate(appPath(app.code, env, 'deploys'))}
                    data-testid="releases-go-deploy"
                  >
                    {ts('openDeploys')}
                  </Button>
                ) : undefined
              }
            />
          ),
        }}
        columns={[
          {
            key: 'version',
            title: t('version'),
            render: (_, r) => (
              <Space size={6} wrap>
                <Typography.Text strong>v{r.version}</Typography.Text>
                {r.current ? (
                  <Tag color="blue" data-testid="release-current">
                    {t('current')}
                  </Tag>
                ) : null}
                {r.description ? <Typography.Text type="secondary">{r.description}</Typography.Text> : null}
              </Space>
            ),
          },
          {
            key: 'status',
            title: t('status'),
            render: (_, r) => (
              <Tag color={r.status === 'ready' ? 'success' : 'error'}>{t(STATUS_KEY[r.status])}</Tag>
            ),
          },
          { key: 'source', title: t('source'), render: (_, r) => <ReleaseOrigin release={r} /> },
          { key: 'processes', title: t('processes'), render: (_, r) => processes(r) },
          {
            key: 'created',
            title: t('created'),
            render: (_, r) => (
              <span title={format.dateTime(r.createdAt)}>
                {format.relative(r.createdAt)}{' '}
                <Typography.Text type="secondary">{ts('byWhom', { user: r.createdBy })}</Typography.Text>
              </span>
            ),
          },
          ...(rollbackWay !== 'none' || emergency
            ? [
                {
                  key: 'actions',
                  title: ts('actions'),
                  render: (_: unknown, rel: Release) =>
                    rel.current ? null : (
                      <Space size={4} wrap>
                        {rollbackWay === 'direct' ? (
                          <Button
                            size="small"
                            onClick={() => rollback(rel)}
                            disabled={busy !== undefined}
                            loading={busy === `rollback-${rel.version}`}
                            data-testid={`release-rollback-${rel.version}`}
                          >
                            {t('rollback', { version: rel.version })}
                          </Button>
                        ) : null}
                        {rollbackWay === 'request' ? (
                          <Button
                            size="small"
                            onClick={() => setAsking({ kind: 'rollback', version: rel.version })}
                            data-testid={`release-request-rollback-${rel.version}`}
                          >
                            {r('requestRollback', { version: rel.version })}
                          </Button>
                        ) : null}
                        {emergency ? (
                          <Button
                            size="small"
                            danger
                            onClick={() => setEmergencyTo(rel.version)}
                            data-testid={`release-emergency-${rel.version}`}
                          >
                            {r('emergency')}
                          </Button>
                        ) : null}
                      </Space>
                    ),
                },
              ]
            : []),
        ]}
      />
      <LoadMore list={list} testId="releases-more" count="none" />
      <RequestDeployModal
        open={asking !== undefined}
        title={
          asking?.kind === 'promote'
            ? r('promoteTitle', { app: app.code })
            : r('rollbackTitle', { env: e(env), version: asking?.version ?? '' })
        }
        intro={
          asking?.kind === 'promote'
            ? r('promoteIntro', { version: asking.version })
            : r('rollbackIntro', { app: app.code, version: asking?.version ?? '' })
        }
        onClose={() => setAsking(undefined)}
        onFile={async (fields) => {
          if (!asking) throw new Error('no request asked for');
          const target = asking.kind === 'promote' ? 'prod' : env;
          return (
            await api.fileRequest(app.code, target, { kind: asking.kind, version: asking.version, ...fields })
          ).deploy;
        }}
      />
      <EmergencyRollbackModal
        app={app}
        env={env}
        version={emergencyTo}
        onClose={() => setEmergencyTo(undefined)}
        onStarted={showDeploy}
      />
    </div>
  );
}
