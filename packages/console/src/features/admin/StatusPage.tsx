// Platform status (/admin/status, admins, operators and auditors): version, database, runtime,
// gateway workers, the job queue, TLS certificates expiring soon and the data directory's disk use.
// Refreshes every 10 seconds while the tab is visible (can be switched off), and on request.

import { ReloadOutlined } from '@ant-design/icons';
import type { PlatformStatus } from '@berth/sdk';
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Flex,
  Progress,
  Row,
  Spin,
  Statistic,
  Switch,
  Typography,
} from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useApi } from '../../api/ApiProvider.tsx';
import { RequireRole } from '../../app/RequireRole.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useVisibleInterval } from '../../components/use-visible-interval.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { ADMIN_PAGE_ROLES } from './page-roles.ts';
import { diskUsedPercent } from './platform-status.ts';
import { statusMessages } from './status-messages.ts';

const RUNTIME_LABELS = { process: 'runtimeProcess', docker: 'runtimeDocker', swarm: 'runtimeSwarm' } as const;

const REFRESH_MS = 10_000;
const DIALECTS = { sqlite: 'SQLite', postgres: 'PostgreSQL', mysql: 'MySQL' } as const;
const DISK_WARN_PERCENT = 90;

function usePlatformStatus(auto: boolean) {
  const api = useApi();
  const [status, setStatus] = useState<PlatformStatus | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(false);
  const [updatedAt, setUpdatedAt] = useState<number | undefined>(undefined);
  const current = useRef<AbortController | null>(null);

  const load = useCallback(async () => {
    // A newer load, or leaving the page, makes an older answer be ignored.
    current.current?.abort();
    const controller = new AbortController();
    current.current = controller;
    setLoading(true);
    try {
      const next = await api.platformStatus();
      if (controller.signal.aborted) return;
      setStatus(next);
      setError(undefined);
      setUpdatedAt(Date.now());
    } catch (err) {
      if (controller.signal.aborted) return;
      setError(err);
    } finally {
      if (!controller.signal.aborted) setLoading(false);
    }
  }, [api]);

  useEffect(() => {
    void load();
    return () => current.current?.abort();
  }, [load]);

  useVisibleInterval(load, REFRESH_MS, auto);

  return { status, error, loading, updatedAt, reload: load };
}

function StatusView() {
  const t = useMessages(statusMessages);
  const format = useFormat();
  const [auto, setAuto] = useState(true);
  const { status, error, loading, updatedAt, reload } = usePlatformStatus(auto);

  const header = (
    <PageHeader
      title={t('title')}
      subtitle={t('subtitle')}
      extra={
        <Flex gap={12} align="center" wrap>
          {updatedAt !== undefined ? (
            <Typography.Text type="secondary" aria-live="polite">
              {t('updatedAt', { time: format.time(updatedAt) })}
            </Typography.Text>
          ) : null}
          <Flex gap={6} align="center">
            <Switch
              checked={auto}
              onChange={setAuto}
              aria-label={t('autoRefresh')}
              data-testid="status-auto"
            />
            <Typography.Text>{t('autoRefresh')}</Typography.Text>
          </Flex>
          <Button
            icon={<ReloadOutlined />}
            onClick={() => void reload()}
            loading={loading}
            data-testid="status-refresh"
          >
            {t('refresh')}
          </Button>
        </Flex>
      }
    />
  );

  if (!status) {
    return (
      <>
        {header}
        {error ? (
          <ErrorAlert error={error} onRetry={() => void reload()} />
        ) : (
          <Spin style={{ display: 'block', margin: 48 }} />
        )}
      </>
    );
  }

  const percent = diskUsedPercent(status.dataDir);
  const usedOnDisk = Math.max(0, status.dataDir.totalBytes - status.dataDir.freeBytes);
  return (
    <>
      {header}
      {error ? (
        <div style={{ marginBottom: 16 }}>
          <ErrorAlert error={error} onRetry={() => void reload()} />
        </div>
      ) : null}
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Card title={t('server')} style={{ height: '100%' }}>
            <Descriptions column={1} size="small">
              <Descriptions.Item label={t('version')}>
                <Typography.Text code data-testid="status-version">
                  {status.version}
                </Typography.Text>
              </Descriptions.Item>
              <Descriptions.Item label={t('node')}>{status.node}</Descriptions.Item>
              <Descriptions.Item label={t('startedAt')}>
                <Flex vertical>
                  <span>{format.dateTime(status.startedAt)}</span>
                  <Typography.Text type="secondary">
                    {t('uptime', {
                      duration: format.duration(Math.max(0, (updatedAt ?? Date.now()) - status.startedAt)),
                    })}
                  </Typography.Text>
                </Flex>
              </Descriptions.Item>
              <Descriptions.Item label={t('store')}>
                <span data-testid="status-dialect">
                  {DIALECTS[status.store.dialect] ?? status.store.dialect}
                </span>
              </Descriptions.Item>
              <Descriptions.Item label={t('runtime')}>
                <span data-testid="status-runtime">{t(RUNTIME_LABELS[status.runtime.driver])}</span>{' '}
                <Typography.Text type="secondary" code>
                  {status.runtime.driver}
                </Typography.Text>
              </Descriptions.Item>
              <Descriptions.Item label={t('gateway')}>
                <span data-testid="status-gateway">
                  {status.gateway.driver === 'nginx' ? t('gatewayNginx') : t('gatewayBuiltin')}
                </span>
              </Descriptions.Item>
              <Descriptions.Item label={t('gatewayWorkers')}>
                {status.gateway.driver === 'builtin' && status.gateway.workers === 0
                  ? t('gatewayInProcess')
                  : t('gatewayRunning', {
                      running: format.number(status.gateway.running),
                      workers: format.number(status.gateway.workers),
                    })}
              </Descriptions.Item>
              {status.gateway.lastFailure ? (
                <Descriptions.Item label={t('gatewayLastFailure')}>
                  <div data-testid="status-gateway-failure">
                    <Typography.Text type="danger">
                      {t('gatewayFailedTable', {
                        table: String(status.gateway.lastFailure.table),
                        time: format.dateTime(status.gateway.lastFailure.at),
                        serving: String(status.gateway.table),
                      })}
                    </Typography.Text>
                    <Typography.Paragraph
                      code
                      style={{ whiteSpace: 'pre-wrap', marginTop: 8, marginBottom: 0 }}
                    >
                      {status.gateway.lastFailure.message}
                    </Typography.Paragraph>
                  </div>
                </Descriptions.Item>
              ) : null}
            </Descriptions>
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card title={t('jobs')} style={{ height: '100%' }}>
            <Row gutter={[16, 16]}>
              <Col xs={12} sm={8}>
                <Statistic
                  title={t('jobsQueued')}
                  value={status.jobs.queued}
                  formatter={(v) => format.number(Number(v))}
                />
              </Col>
              <Col xs={12} sm={8}>
                <Statistic
                  title={t('jobsRunning')}
                  value={status.jobs.running}
                  formatter={(v) => format.number(Number(v))}
                />
              </Col>
              <Col xs={24} sm={8}>
                <Statistic
                  title={t('jobsFailed')}
                  value={status.jobs.failedLastDay}
                  formatter={(v) => format.number(Number(v))}
                  styles={status.jobs.failedLastDay > 0 ? { content: { color: '#cf1322' } } : undefined}
                />
              </Col>
            </Row>
          </Card>
        </Col>
        {status.certificates ? (
          <Col xs={24}>
            <Card title={t('certificates')} data-testid="status-certificates">
              <Flex vertical gap={12}>
                {status.certificates.expiringSoon + status.certificates.expired > 0 ? (
                  <Alert type="warning" showIcon title={t('certWarning')} />
                ) : null}
                <Row gutter={[16, 16]}>
                  <Col xs={12} sm={8}>
                    <Statistic
                      title={t('certExpiring', { days: format.number(status.certificates.warnDays) })}
                      value={status.certificates.expiringSoon}
                      formatter={(v) => format.number(Number(v))}
                      styles={
                        status.certificates.expiringSoon > 0 ? { content: { color: '#d46b08' } } : undefined
                      }
                    />
                  </Col>
                  <Col xs={12} sm={8}>
                    <Statistic
                      title={t('certExpired')}
                      value={status.certificates.expired}
                      formatter={(v) => format.number(Number(v))}
                      styles={status.certificates.expired > 0 ? { content: { color: '#cf1322' } } : undefined}
                    />
                  </Col>
                  <Col xs={24} sm={8}>
                    <Typography.Text strong>{t('certSoonest')}</Typography.Text>
                    <div>
                      {status.certificates.soonest
                        ? t('certSoonestText', {
                            names: status.certificates.soonest.names.join(', '),
                            time: format.dateTime(status.certificates.soonest.notAfter),
                          })
                        : t('certNone')}
                    </div>
                  </Col>
                </Row>
              </Flex>
            </Card>
          </Col>
        ) : null}
        <Col xs={24}>
          <Card title={t('disk')}>
            <Flex vertical gap={12}>
              {percent !== undefined && percent >= DISK_WARN_PERCENT ? (
                <Alert type="warning" showIcon title={t('diskLow')} />
              ) : null}
              <div>
                <Typography.Text strong>{t('diskUsage')}</Typography.Text>
                <Progress
                  percent={percent ?? 0}
                  status={percent !== undefined && percent >= DISK_WARN_PERCENT ? 'exception' : 'normal'}
                  aria-label={t('diskUsage')}
                  data-testid="status-disk"
                />
                <Typography.Text type="secondary">
                  {percent === undefined
                    ? t('unknown')
                    : t('diskUsageText', {
                        used: format.bytes(usedOnDisk),
                        total: format.bytes(status.dataDir.totalBytes),
                        percent: format.number(percent),
                      })}
                </Typography.Text>
              </div>
              <Descriptions column={{ xs: 1, md: 2 }} size="small">
                <Descriptions.Item label={t('diskPath')}>
                  <Typography.Text code copyable>
                    {status.dataDir.path}
                  </Typography.Text>
                </Descriptions.Item>
                <Descriptions.Item label={t('diskBerth')}>
                  {format.bytes(status.dataDir.usedBytes)}
                </Descriptions.Item>
                <Descriptions.Item label={t('diskFree')}>
                  {format.bytes(status.dataDir.freeBytes)}
                </Descriptions.Item>
                <Descriptions.Item label={t('diskTotal')}>
                  {format.bytes(status.dataDir.totalBytes)}
                </Descriptions.Item>
              </Descriptions>
              <Typography.Text type="secondary">
                {t('diskMeasured', { time: format.relative(status.dataDir.measuredAt) })}
              </Typography.Text>
            </Flex>
          </Card>
        </Col>
      </Row>
    </>
  );
}

export default function StatusPage() {
  return (
    <RequireRole roles={ADMIN_PAGE_ROLES.status}>
      <StatusView />
    </RequireRole>
  );
}
