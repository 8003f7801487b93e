// An environment at a glance: its current release, its address, its instances (read again every
// 5 s while the page is visible) and the actions on it: restart, stop, start and scale, each
// confirmed first and then followed on the deploys tab.
import type { EnvName, InstanceView, Release } from '@berth/sdk';
import { eachItem } from '@berth/sdk/client';
import { Button, Card, Descriptions, Flex, Space, Table, Tag, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useMemo, useState } from 'react';
import { useNavigate } from 'react-router';
import { useApi } from '../../../api/ApiProvider.tsx';
import { useConfirm } from '../../../components/confirm.tsx';
import { EmptyState } from '../../../components/EmptyState.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { useAsync } from '../../../components/use-async.ts';
import { useVisibleInterval } from '../../../components/use-visible-interval.ts';
import { useFormat } from '../../../i18n/format-hooks.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { appPath } from '../app-paths.ts';
import { envSummary } from '../app-summary.ts';
import { envMessages } from '../env-messages.ts';
import { overviewMessages } from './overview-messages.ts';
import { ReleaseOrigin } from './release-origin.tsx';
import { ScaleModal } from './ScaleModal.tsx';
import type { AppTabProps } from './tab-props.ts';

const INSTANCES_PAGE = 200;
const REFRESH_MS = 5000;
/** Pages of releases read to find the current one (it is nearly always on the first). */
const RELEASE_PAGES_MAX = 10;
const RELEASES_PAGE = 50;

const STATE_KEY = {
  starting: 'stateStarting',
  running: 'stateRunning',
  backoff: 'stateBackoff',
  crashloop: 'stateCrashloop',
  stopping: 'stateStopping',
  stopped: 'stateStopped',
  exited: 'stateExited',
} as const satisfies Record<InstanceView['state'], string>;

const STATE_COLOR: Record<InstanceView['state'], string> = {
  starting: 'processing',
  running: 'success',
  backoff: 'warning',
  crashloop: 'error',
  stopping: 'default',
  stopped: 'default',
  exited: 'error',
};

export default function OverviewTab({ app, env, showDeploy }: AppTabProps) {
  const api = useApi();
  const t = useMessages(overviewMessages);
  const e = useMessages(envMessages);
  const format = useFormat();
  const confirm = useConfirm();
  const feedback = useFeedback();
  const navigate = useNavigate();
  const [scaling, setScaling] = useState(false);
  const [acting, setActing] = useState<string | undefined>(undefined);

  const release = useAsync(async () => {
    let seen = 0;
    for await (const r of eachItem('releases', (page) => api.listReleases(app.code, env, page), {
      limit: RELEASES_PAGE,
    })) {
      if (r.current) return r;
      if (++seen >= RELEASE_PAGES_MAX * RELEASES_PAGE) break;
    }
    return null;
  }, [api, app.code, env]);

  const instances = useAsync(
    () => api.listInstances(app.code, env, { limit: INSTANCES_PAGE }),
    [api, app.code, env],
  );
  useVisibleInterval(instances.reload, REFRESH_MS);

  const running = useMemo(() => {
    const counts: Record<string, number> = {};
    for (const i of instances.data?.instances ?? []) {
      if (i.state !== 'stopped' && i.state !== 'stopping')
        counts[i.processType] = (counts[i.processType] ?? 0) + 1;
    }
    return counts;
  }, [instances.data]);

  const summary = envSummary(app, env);
  const envName = e(env);
  const current = release.data ?? undefined;

  const act = async (action: 'restart' | 'stop' | 'start', version: number) => {
    const titles = { restart: 'restartTitle', stop: 'stopTitle', start: 'startTitle' } as const;
    const texts = { restart: 'restartText', stop: 'stopText', start: 'startText' } as const;
    const ok = await confirm({
      title: t(titles[action], { app: app.name, env: envName }),
      content: t(texts[action], { version, env: envName }),
      okText: t(action),
      danger: action === 'stop',
    });
    if (!ok) return;
    setActing(action);
    try {
      const call = { restart: api.restartEnv, stop: api.stopEnv, start: api.startEnv }[action];
      const result = await call.call(api, app.code, env);
      feedback.success(t('startedToast'));
      showDeploy(result.deploy.id);
    } catch (err) {
      feedback.error(err);
    } finally {
      setActing(undefined);
    }
  };

  if (release.error) return <ErrorAlert error={release.error} onRetry={release.reload} />;
  if (release.loading && release.data === undefined) return <Card loading />;

  const addressBlock = summary?.url ? (
    <a href={summary.url} target="_blank" rel="noopener noreferrer" data-testid="open-app">
      {t('openApp', { env: envName })}: {summary.url}
    </a>
  ) : (
    <Typography.Text type="secondary">{t('noAddress')}</Typography.Text>
  );

  if (!current) {
    return (
      <Card>
        <EmptyState
          description={t('noRelease', { env: envName })}
          action={
            <Button
              type="primary"
              onClick={() => navigate(appPath(app.code, env, 'deploys'))}
              data-testid="overview-to-deploys"
            >
              {t('toDeploys')}
            </Button>
          }
        />
      </Card>
    );
  }

  return (
    <Flex vertical gap={16}>
      <Card
        size="small"
        title={t('currentRelease')}
        data-testid="current-release"
        data-version={current.version}
      >
        <Flex wrap gap={8} style={{ marginBottom: 12 }}>
          <Button
            onClick={() => void act('restart', current.version)}
            loading={acting === 'restart'}
            disabled={!!acting}
            data-testid="env-restart"
          >
            {t('restart')}
          </Button>
          <Button
            onClick={() => void act('stop', current.version)}
            loading={acting === 'stop'}
            disabled={!!acting}
            danger
            data-testid="env-stop"
          >
            {t('stop')}
          </Button>
          <Button
            onClick={() => void act('start', current.version)}
            loading={acting === 'start'}
            disabled={!!acting}
            data-testid="env-start"
          >
            {t('start')}
          </Button>
          <Button type="primary" onClick={() => setScaling(true)} disabled={!!acting} data-testid="env-scale">
            {t('scale')}
          </Button>
        </Flex>
        <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }}>
          <Descriptions.Item label={t('version')}>
            {e('release', { version: current.version })}
          </Descriptions.Item>
          <Descriptions.Item label={t('source')}>
            <ReleaseOrigin release={current} />
          </Descriptions.Item>
          <Descriptions.Item label={t('created')}>{format.dateTime(current.createdAt)}</Descriptions.Item>
          <Descriptions.Item label={t('createdBy')}>{current.createdBy}</Descriptions.Item>
          <Descriptions.Item label={t('processes')}>
            <ProcessList release={current} />
          </Descriptions.Item>
          <Descriptions.Item label={t('address')}>{addressBlock}</Descriptions.Item>
        </Descriptions>
        {current.description ? (
          <Typography.Paragraph type="secondary" style={{ margin: '8px 0 0' }}>
            {current.description}
          </Typography.Paragraph>
        ) : null}
      </Card>
      <InstancesCard
        env={env}
        data={instances.data?.instances}
        more={Boolean(instances.data?.nextCursor)}
        error={instances.error}
        onRetry={instances.reload}
      />
      {scaling ? (
        <ScaleModal
          app={app}
          env={env}
          release={current}
          running={instances.data ? running : current.processes}
          onClose={() => setScaling(false)}
          onStarted={(id) => {
            setScaling(false);
            feedback.success(t('startedToast'));
            showDeploy(id);
          }}
        />
      ) : null}
    </Flex>
  );
}

function ProcessList({ release }: { release: Release }) {
  const t = useMessages(overviewMessages);
  const entries = Object.entries(release.processes).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <>—</>;
  return (
    <Space wrap size={4}>
      {entries.map(([process, count]) => (
        <Tag key={process}>{t('processCount', { process, count })}</Tag>
      ))}
    </Space>
  );
}

function InstancesCard({
  env,
  data,
  more,
  error,
  onRetry,
}: {
  env: EnvName;
  data: InstanceView[] | undefined;
  more: boolean;
  error: unknown;
  onRetry(): void;
}) {
  const t = useMessages(overviewMessages);
  const e = useMessages(envMessages);
  const format = useFormat();
  const columns = useMemo<ColumnsType<InstanceView>>(
    () => [
      { key: 'process', title: t('process'), dataIndex: 'processType' },
      { key: 'id', title: t('instance'), render: (_, i) => <Typography.Text code>{i.id}</Typography.Text> },
      {
        key: 'state',
        title: t('state'),
        render: (_, i) => (
          <Tag color={STATE_COLOR[i.state]} data-state={i.state}>
            {t(STATE_KEY[i.state])}
          </Tag>
        ),
      },
      {
        key: 'health',
        title: t('health'),
        render: (_, i) => (
          <Tag color={i.healthy ? 'success' : 'default'} data-healthy={String(i.healthy)}>
            {i.healthy ? t('healthy') : t('unhealthy')}
          </Tag>
        ),
      },
      { key: 'address', title: t('address'), render: (_, i) => i.address ?? '—' },
      { key: 'release', title: t('release'), render: (_, i) => e('release', { version: i.release }) },
      {
        key: 'started',
        title: t('started'),
        render: (_, i) => (i.startedAt ? format.dateTime(i.startedAt) : '—'),
      },
      { key: 'restarts', title: t('restarts'), render: (_, i) => format.number(i.restarts) },
    ],
    [t, e, format],
  );
  return (
    <Card
      size="small"
      title={t('instances')}
      extra={<Typography.Text type="secondary">{t('refreshing')}</Typography.Text>}
    >
      {error ? <ErrorAlert error={error} onRetry={onRetry} /> : null}
      <div data-testid="instances-table">
        <Table<InstanceView>
          rowKey="id"
          size="small"
          columns={columns}
          dataSource={data ?? []}
          loading={data === undefined && !error}
          pagination={false}
          scroll={{ x: 'max-content' }}
          locale={{
            emptyText:
              data === undefined ? ' ' : <EmptyState description={t('noInstances', { env: e(env) })} />,
          }}
        />
      </div>
      {more ? (
        <Typography.Text type="secondary">{t('moreInstances', { count: INSTANCES_PAGE })}</Typography.Text>
      ) : null}
    </Card>
  );
}
