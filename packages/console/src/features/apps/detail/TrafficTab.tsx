// The traffic tab: what the gateway counted of the app's requests per environment since berthd
// started (the table of `berth traffic`), read again every 10 s while the page is visible and on
// Refresh; under it, who counted since when, that the counts restart with berthd, and where
// Prometheus scrapes for history. Both environments, whichever one the page shows.
import type { AppTraffic, EnvName } from '@berth/sdk';
import { Button, Card, Flex, Table, Typography } from 'antd';
import { useMemo } from 'react';
import { useApi } from '../../../api/ApiProvider.tsx';
import { EmptyState } from '../../../components/EmptyState.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { common } from '../../../components/messages.ts';
import { useAsync } from '../../../components/use-async.ts';
import { useVisibleInterval } from '../../../components/use-visible-interval.ts';
import { useFormat } from '../../../i18n/format-hooks.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { envMessages } from '../env-messages.ts';
import type { AppTabProps } from './tab-props.ts';
import { trafficMessages } from './traffic-messages.ts';
import { metricsUrl, TRAFFIC_REFRESH_MS, type TrafficCells, trafficCells } from './traffic-view.ts';

type Row = TrafficCells & { env: EnvName; requestCount: number };

const GATEWAY_KEY = {
  builtin: 'gatewayBuiltin',
  nginx: 'gatewayNginx',
} as const satisfies Record<AppTraffic['gateway'], string>;

export default function TrafficTab({ app }: AppTabProps) {
  const api = useApi();
  const t = useMessages(trafficMessages);
  const c = useMessages(common);
  const e = useMessages(envMessages);
  const format = useFormat();
  const traffic = useAsync(() => api.appTraffic(app.code), [api, app.code]);
  const reload = traffic.reload;
  useVisibleInterval(reload, TRAFFIC_REFRESH_MS);

  const data = traffic.data;
  const since = data ? format.dateTime(data.since) : '';
  const rows = useMemo<Row[]>(
    () =>
      (data?.envs ?? []).map((env) => ({
        ...trafficCells(env, format),
        env: env.env,
        requestCount: env.requests,
      })),
    [data, format],
  );

  return (
    <Card
      size="small"
      title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('title')}</h2>}
      extra={
        // The interval is said under the table: beside the title it would crowd it out on a phone.
        <Button size="small" onClick={reload} data-testid="traffic-refresh">
          {c('refresh')}
        </Button>
      }
    >
      {traffic.error ? <ErrorAlert error={traffic.error} onRetry={reload} /> : null}
      <div data-testid="traffic-table">
        <Table<Row>
          rowKey="env"
          size="small"
          dataSource={rows}
          loading={data === undefined && !traffic.error}
          pagination={false}
          scroll={{ x: 'max-content' }}
          onRow={(r) =>
            ({
              'data-testid': `traffic-row-${r.env}`,
              'data-requests': r.requestCount,
            }) as React.HTMLAttributes<HTMLElement>
          }
          locale={{
            emptyText:
              data === undefined ? ' ' : <EmptyState description={t('empty', { app: app.code, since })} />,
          }}
          columns={[
            { title: t('colEnv'), key: 'env', render: (_, r) => e(r.env) },
            { title: t('colRequests'), dataIndex: 'requests' },
            { title: '2xx/3xx/4xx/5xx', dataIndex: 'status' },
            { title: t('colErrors'), dataIndex: 'errors' },
            { title: t('colBytes'), dataIndex: 'bytes' },
            { title: 'p50', dataIndex: 'p50' },
            { title: 'p90', dataIndex: 'p90' },
            { title: 'p99', dataIndex: 'p99' },
            { title: t('colAvg'), dataIndex: 'avg' },
          ]}
        />
      </div>
      {data ? (
        <Flex vertical gap={4} style={{ marginTop: 12 }}>
          <Typography.Text type="secondary" data-testid="traffic-since">
            {t('counted', {
              gateway: t(GATEWAY_KEY[data.gateway]),
              since,
            })}
          </Typography.Text>
          <Typography.Text type="secondary">{t('refreshing')}</Typography.Text>
          <Typography.Text type="secondary">{t('restartNote')}</Typography.Text>
          <Typography.Text type="secondary">
            {t('prometheusNote', { url: metricsUrl(window.location.origin) })}
          </Typography.Text>
        </Flex>
      ) : null}
    </Card>
  );
}
