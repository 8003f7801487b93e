// Call records (/apigw?tab=records): per component and calling app over the last hour, day or 7 days
// (kept in the address): calls, 2xx/4xx/5xx, errors and their share, latency percentiles, then the
// last errors (time, status, code, message, request id). Developers see the calls of their own apps;
// the API decides.
import type { ApigwRecord } from '@berth/sdk';
import { Button, Card, Flex, Segmented, Table, Typography } from 'antd';
import { Link, useSearchParams } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { common } from '../../components/messages.ts';
import { useAsync } from '../../components/use-async.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { apigwMessages } from './apigw-messages.ts';
import {
  isRecordWindow,
  lastErrors,
  percentText,
  RECORD_WINDOWS,
  type RecordWindow,
  statusText,
  systemPath,
} from './apigw-view.ts';

const WINDOW_LABEL = { '1h': 'window1h', '24h': 'window24h', '7d': 'window7d' } as const satisfies Record<
  RecordWindow,
  string
>;

type ErrorRow = ReturnType<typeof lastErrors>[number];

function SystemLink({ name }: { name: string }) {
  return <Link to={systemPath(name)}>{name}</Link>;
}

export function RecordsTab() {
  const api = useApi();
  const t = useMessages(apigwMessages);
  const c = useMessages(common);
  const format = useFormat();
  const [params, setParams] = useSearchParams();
  const asked = params.get('window');
  const span: RecordWindow = isRecordWindow(asked) ? asked : '1h';
  const records = useAsync(async () => (await api.listApigwRecords({ window: span })).items, [api, span]);
  const errors = lastErrors(records.data ?? []);
  const who = (r: { app: string }) => (r.app === '' ? t('unknownCaller') : r.app);

  return (
    <>
      <Flex gap={8} wrap align="center" style={{ marginBottom: 16 }}>
        <Segmented<RecordWindow>
          aria-label={t('window')}
          value={span}
          onChange={(value) => setParams({ tab: 'records', window: value }, { replace: true })}
          options={RECORD_WINDOWS.map((w) => ({
            value: w,
            label: <span data-testid={`apigw-window-${w}`}>{t(WINDOW_LABEL[w])}</span>,
          }))}
        />
        <Button onClick={records.reload} data-testid="apigw-records-refresh">
          {c('refresh')}
        </Button>
      </Flex>
      {records.error ? (
        <ErrorAlert error={records.error} onRetry={records.reload} />
      ) : (
        <>
          <Table<ApigwRecord>
            data-testid="apigw-records-table"
            rowKey={(r) => `${r.system}/${r.component}/${r.app}`}
            loading={records.loading}
            dataSource={records.data ?? []}
            pagination={false}
            scroll={{ x: 'max-content' }}
            onRow={(r) =>
              ({
                'data-testid': `apigw-record-row-${r.system}-${r.component}-${r.app || '-'}`,
              }) as React.HTMLAttributes<HTMLElement>
            }
            locale={{ emptyText: records.loading ? ' ' : <EmptyState description={t('recordsEmpty')} /> }}
            columns={[
              { title: t('colSystem'), key: 'system', render: (_, r) => <SystemLink name={r.system} /> },
              { title: t('colComponent'), dataIndex: 'component' },
              { title: t('colCaller'), key: 'app', render: (_, r) => who(r) },
              { title: t('colCalls'), key: 'calls', render: (_, r) => format.number(r.calls) },
              { title: t('colStatus'), key: 'status', render: (_, r) => statusText(r) },
              {
                title: t('colErrors'),
                key: 'errors',
                render: (_, r) => `${format.number(r.errors)} (${percentText(r.errorRate)})`,
              },
              { title: 'p50', key: 'p50', render: (_, r) => format.duration(r.latencyMs.p50) },
              { title: 'p90', key: 'p90', render: (_, r) => format.duration(r.latencyMs.p90) },
              { title: 'p99', key: 'p99', render: (_, r) => format.duration(r.latencyMs.p99) },
              { title: t('colMax'), key: 'max', render: (_, r) => format.duration(r.latencyMs.max) },
            ]}
          />
          <Card
            title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('lastErrors')}</h2>}
            style={{ marginTop: 16 }}
          >
            <Table<ErrorRow>
              data-testid="apigw-errors-table"
              rowKey={(e) => `${e.requestId}-${e.at}-${e.app}`}
              dataSource={errors}
              loading={records.loading}
              pagination={errors.length > 20 ? { pageSize: 20, showSizeChanger: false } : false}
              scroll={{ x: 'max-content' }}
              locale={{ emptyText: records.loading ? ' ' : <EmptyState description={t('errorsEmpty')} /> }}
              columns={[
                { title: t('colAt'), key: 'at', render: (_, e) => format.dateTime(e.at) },
                { title: t('colSystem'), key: 'system', render: (_, e) => <SystemLink name={e.system} /> },
                { title: t('colComponent'), dataIndex: 'component' },
                { title: t('colCaller'), key: 'app', render: (_, e) => who(e) },
                { title: t('colStatusCode'), dataIndex: 'status' },
                {
                  title: t('colCode'),
                  key: 'code',
                  render: (_, e) => (e.code ? <Typography.Text code>{e.code}</Typography.Text> : '—'),
                },
                {
                  title: t('colMessage'),
                  key: 'message',
                  // The gateway's or the destination's own words, as recorded (not the console's).
                  render: (_, e) => <span translate="no">{e.message ?? '—'}</span>,
                },
                {
                  title: t('colRequest'),
                  key: 'request',
                  render: (_, e) => <Typography.Text code>{e.requestId}</Typography.Text>,
                },
              ]}
            />
          </Card>
        </>
      )}
    </>
  );
}
