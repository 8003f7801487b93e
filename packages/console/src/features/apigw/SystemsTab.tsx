// The systems of the API gateway (everyone): name, label, owner app, how many components, default
// timeout; a search box filters them (the list is small and comes whole); a name opens the system.
import { SearchOutlined } from '@ant-design/icons';
import type { ApigwSystemSummary } from '@berth/sdk';
import { Input, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useAsync } from '../../components/use-async.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { apigwMessages } from './apigw-messages.ts';
import { filterSystems, systemPath } from './apigw-view.ts';

export function SystemsTab() {
  const api = useApi();
  const t = useMessages(apigwMessages);
  const format = useFormat();
  const [text, setText] = useState('');
  const systems = useAsync(async () => (await api.listApigwSystems()).items, [api]);
  const shown = filterSystems(systems.data ?? [], text);

  if (systems.error) return <ErrorAlert error={systems.error} onRetry={systems.reload} />;
  return (
    <>
      <Input
        type="search"
        prefix={<SearchOutlined aria-hidden />}
        allowClear
        value={text}
        maxLength={100}
        onChange={(ev) => setText(ev.target.value)}
        placeholder={t('systemSearch')}
        aria-label={t('systemSearch')}
        data-testid="apigw-system-search"
        style={{ maxWidth: 420, marginBottom: 16 }}
      />
      <Table<ApigwSystemSummary>
        data-testid="apigw-systems-table"
        rowKey="name"
        loading={systems.loading}
        dataSource={shown}
        pagination={false}
        scroll={{ x: 'max-content' }}
        onRow={(s) => ({ 'data-testid': `apigw-system-row-${s.name}` }) as React.HTMLAttributes<HTMLElement>}
        locale={{
          emptyText: systems.loading ? (
            ' '
          ) : (
            <EmptyState description={text.trim() ? t('systemsNoMatch') : t('systemsEmpty')} />
          ),
        }}
        columns={[
          {
            title: t('colSystem'),
            key: 'name',
            render: (_, s) => (
              <Link to={systemPath(s.name)} data-testid={`apigw-system-open-${s.name}`}>
                <strong>{s.name}</strong>
              </Link>
            ),
          },
          {
            title: t('colLabel'),
            dataIndex: 'label',
            // The declarer's words, in whatever language they wrote them.
            render: (label: string) => <span translate="no">{label}</span>,
          },
          {
            title: t('colOwner'),
            key: 'owner',
            render: (_, s) => (s.owner ? <Typography.Text code>{s.owner}</Typography.Text> : '—'),
          },
          { title: t('colComponents'), key: 'components', render: (_, s) => format.number(s.components) },
          {
            title: t('colTimeout'),
            key: 'timeout',
            render: (_, s) =>
              s.timeoutMs === undefined ? t('timeoutDefault') : format.duration(s.timeoutMs),
          },
          {
            title: t('colUpdated'),
            key: 'updated',
            // The built-in system is berthd's own: it was never declared or changed.
            render: (_, s) => (s.builtIn ? <Tag>{t('builtIn')}</Tag> : format.dateTime(s.updatedAt)),
          },
        ]}
      />
    </>
  );
}
