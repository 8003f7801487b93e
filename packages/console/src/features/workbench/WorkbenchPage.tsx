// The workbench (`/`): the apps the user can open, as cards with their logo, name and code and
// links to where prod and stag are served; a search over code and name (done by the server) and
// "load more" paging.
import type { App, EnvName } from '@berth/sdk';
import { Button, Card, Flex, Spin, Typography } from 'antd';
import { Link, useNavigate } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { EmptyState } from '../../components/EmptyState.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { LoadMore } from '../../components/LoadMore.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useCursorList } from '../../components/use-cursor-list.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { AppLogo } from '../apps/AppLogo.tsx';
import { AppSearchInput, useAppSearch } from '../apps/AppSearch.tsx';
import { appPath } from '../apps/app-paths.ts';
import { appSearchQuery, envSummary } from '../apps/app-summary.ts';
import { envMessages } from '../apps/env-messages.ts';
import { workbenchMessages } from './messages.ts';

const PAGE_SIZE = 24;
const GRID = {
  display: 'grid',
  gridTemplateColumns: 'repeat(auto-fill, minmax(260px, 1fr))',
  gap: 16,
} as const;

export default function WorkbenchPage() {
  const api = useApi();
  const t = useMessages(workbenchMessages);
  const navigate = useNavigate();
  const appSearch = useAppSearch();
  const search = appSearch.search;
  const list = useCursorList<App>(
    async (cursor) => {
      const page = await api.listApps(
        appSearchQuery(search, { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }),
      );
      return { items: page.apps, nextCursor: page.nextCursor };
    },
    [api, search],
  );

  const query = search.trim();
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <AppSearchInput search={appSearch} label={t('search')} testId="workbench-search" />
      {list.error ? (
        <ErrorAlert error={list.error} onRetry={list.reload} />
      ) : list.loading ? (
        <Spin style={{ display: 'block', margin: '48px auto' }} />
      ) : list.items.length === 0 ? (
        query ? (
          <EmptyState description={t('emptySearch', { q: query })} />
        ) : (
          <EmptyState
            description={t('empty')}
            action={
              <Button type="primary" onClick={() => navigate('/apps')}>
                {t('goToApps')}
              </Button>
            }
          />
        )
      ) : (
        <>
          <div style={GRID} aria-live="polite">
            {list.items.map((app) => (
              <AppCard key={app.code} app={app} />
            ))}
          </div>
          <LoadMore list={list} testId="workbench-more" count={(count) => t('shown', { count })} />
        </>
      )}
    </>
  );
}

function AppCard({ app }: { app: App }) {
  const t = useMessages(workbenchMessages);
  return (
    <Card size="small" data-testid={`workbench-card-${app.code}`} styles={{ body: { height: '100%' } }}>
      <Flex vertical gap={10} style={{ height: '100%' }}>
        <Flex gap={12} align="center" style={{ minWidth: 0 }}>
          <AppLogo name={app.name} code={app.code} logoUrl={app.logoUrl} />
          <div style={{ minWidth: 0 }}>
            <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }} ellipsis={{ tooltip: app.name }}>
              <Link to={`/apps/${app.code}`} aria-label={t('manage', { name: app.name })}>
                {app.name}
              </Link>
            </Typography.Title>
            <Typography.Text type="secondary" code>
              {app.code}
            </Typography.Text>
          </div>
        </Flex>
        {app.description ? (
          <Typography.Paragraph type="secondary" ellipsis={{ rows: 2 }} style={{ margin: 0 }}>
            {app.description}
          </Typography.Paragraph>
        ) : null}
        <Flex vertical gap={4} style={{ marginTop: 'auto' }}>
          <EnvLink app={app} env="prod" />
          <EnvLink app={app} env="stag" />
        </Flex>
      </Flex>
    </Card>
  );
}

function EnvLink({ app, env }: { app: App; env: EnvName }) {
  const t = useMessages(workbenchMessages);
  const e = useMessages(envMessages);
  const summary = envSummary(app, env);
  const label = e(env);
  if (summary?.release === undefined || !summary.url) {
    return (
      <Typography.Text type="secondary" data-testid={`workbench-${env}-${app.code}`}>
        {label}: {/* Underlined: inside grey text, colour alone would not tell the link apart. */}
        <Link
          to={appPath(app.code, env)}
          data-testid={`workbench-${env}-details-${app.code}`}
          style={{ textDecoration: 'underline' }}
        >
          {summary?.release === undefined ? e('notDeployed') : t('details')}
        </Link>
      </Typography.Text>
    );
  }
  return (
    <Typography.Text data-testid={`workbench-${env}-${app.code}`}>
      {label}:{' '}
      <a
        href={summary.url}
        target="_blank"
        rel="noopener noreferrer"
        data-testid={`workbench-${env}-url-${app.code}`}
      >
        {t('open', { env: label })} · {e('release', { version: summary.release })}
      </a>
    </Typography.Text>
  );
}
