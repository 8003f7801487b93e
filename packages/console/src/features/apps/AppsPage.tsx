// The apps list (`/apps`): one page of 50 at a time (keyset pages; "previous" walks back through
// the cursors kept), searched by the server as one types (debounced), and the create form. A new
// app's secret is shown once before the console opens the app.

import { PlusOutlined } from '@ant-design/icons';
import type { App, CreateAppResponse, EnvName } from '@berth/sdk';
import { Button, Flex, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useEffect, useMemo, useReducer, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { common } from '../../components/messages.ts';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useAsync } from '../../components/use-async.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { AppLogo } from './AppLogo.tsx';
import { AppSearchInput, useAppSearch } from './AppSearch.tsx';
import { AppSecretModal } from './AppSecretModal.tsx';
import { appPath } from './app-paths.ts';
import { appSearchQuery, envSummary } from './app-summary.ts';
import { appsMessages } from './apps-messages.ts';
import { CreateAppModal } from './CreateAppModal.tsx';
import { cursorPager, FIRST_PAGE, pageNumber } from './cursor-pager.ts';
import { envMessages } from './env-messages.ts';

const PAGE_SIZE = 50;

export default function AppsPage() {
  const api = useApi();
  const t = useMessages(appsMessages);
  const c = useMessages(common);
  const format = useFormat();
  const navigate = useNavigate();
  const appSearch = useAppSearch();
  const search = appSearch.search;
  const [pager, dispatch] = useReducer(cursorPager, FIRST_PAGE);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreateAppResponse | undefined>(undefined);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new search starts at its first page
  useEffect(() => {
    dispatch({ type: 'reset' });
  }, [search]);

  const list = useAsync(
    () =>
      api.listApps(
        appSearchQuery(search, { limit: PAGE_SIZE, ...(pager.cursor ? { cursor: pager.cursor } : {}) }),
      ),
    [api, search, pager.cursor],
  );

  const columns = useMemo<ColumnsType<App>>(
    () => [
      {
        key: 'code',
        title: t('code'),
        render: (_, app) => (
          <Flex gap={8} align="center">
            <AppLogo name={app.name} code={app.code} logoUrl={app.logoUrl} size={24} />
            <Link to={appPath(app.code)} data-testid={`app-row-${app.code}`}>
              {app.code}
            </Link>
          </Flex>
        ),
      },
      { key: 'name', title: t('name'), dataIndex: 'name' },
      {
        key: 'description',
        title: t('description'),
        render: (_, app) => (
          <Typography.Text type="secondary" ellipsis={{ tooltip: app.description }} style={{ maxWidth: 320 }}>
            {app.description}
          </Typography.Text>
        ),
      },
      { key: 'stag', title: t('stagRelease'), render: (_, app) => <ReleaseCell app={app} env="stag" /> },
      { key: 'prod', title: t('prodRelease'), render: (_, app) => <ReleaseCell app={app} env="prod" /> },
      { key: 'created', title: t('created'), render: (_, app) => format.dateTime(app.createdAt) },
    ],
    [t, format],
  );

  const query = search.trim();
  const page = list.data;
  return (
    <>
      <PageHeader
        title={t('title')}
        subtitle={t('subtitle')}
        extra={
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => setCreating(true)}
            data-testid="apps-create"
          >
            {t('create')}
          </Button>
        }
      />
      <AppSearchInput search={appSearch} label={t('search')} testId="apps-search" />
      {list.error ? (
        <ErrorAlert error={list.error} onRetry={list.reload} />
      ) : (
        <>
          <Table<App>
            rowKey="code"
            size="middle"
            columns={columns}
            dataSource={page?.apps ?? []}
            loading={list.loading}
            pagination={false}
            scroll={{ x: 'max-content' }}
            locale={{
              emptyText: list.loading ? (
                ' '
              ) : query ? (
                <EmptyState description={t('emptySearch', { q: query })} />
              ) : (
                <EmptyState
                  description={t('empty')}
                  action={
                    <Button type="primary" onClick={() => setCreating(true)}>
                      {t('create')}
                    </Button>
                  }
                />
              ),
            }}
          />
          <Flex justify="flex-end" align="center" gap={8} style={{ marginTop: 12 }} wrap>
            <Typography.Text type="secondary">{t('page', { page: pageNumber(pager) })}</Typography.Text>
            <Button
              onClick={() => dispatch({ type: 'previous' })}
              disabled={pageNumber(pager) === 1 || list.loading}
              data-testid="apps-prev"
            >
              {c('previous')}
            </Button>
            <Button
              onClick={() => page?.nextCursor && dispatch({ type: 'next', nextCursor: page.nextCursor })}
              disabled={!page?.nextCursor || list.loading}
              data-testid="apps-next"
            >
              {c('next')}
            </Button>
          </Flex>
        </>
      )}
      <CreateAppModal
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(result) => {
          setCreating(false);
          setCreated(result);
        }}
      />
      {created ? (
        <AppSecretModal
          code={created.app.code}
          secret={created.secret}
          onClose={() => navigate(appPath(created.app.code))}
        />
      ) : null}
    </>
  );
}

function ReleaseCell({ app, env }: { app: App; env: EnvName }): React.ReactNode {
  const e = useMessages(envMessages);
  const version = envSummary(app, env)?.release;
  return version === undefined ? (
    <Typography.Text type="secondary">{e('notDeployed')}</Typography.Text>
  ) : (
    e('release', { version })
  );
}
