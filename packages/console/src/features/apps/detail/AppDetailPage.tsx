// An app's page (`/apps/:code/:env/:tab`): the app's header, the environment switch (which keeps
// the tab) and the tabs, each a lazily loaded module of this folder. The address holds the state:
// an unknown environment or tab goes to stag/overview, and `?deploy=ID` opens a deploy on the
// deploys tab (what `showDeploy` does after every action that starts one).
import type { EnvName } from '@berth/sdk';
import { Flex, Result, Segmented, Spin, Tabs, Typography } from 'antd';
import { type ComponentType, lazy, Suspense, useCallback } from 'react';
import { Link, Navigate, useNavigate, useParams } from 'react-router';
import { useApi } from '../../../api/ApiProvider.tsx';
import { errorCode } from '../../../api/errors.ts';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { PageHeader } from '../../../components/PageHeader.tsx';
import { useAsync } from '../../../components/use-async.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { AppLogo } from '../AppLogo.tsx';
import { APP_TABS, type AppTabName, appPath, deployPath } from '../app-paths.ts';
import { envMessages } from '../env-messages.ts';
import { frameMessages } from './frame-messages.ts';
import type { AppTabProps } from './tab-props.ts';

const ENVS = ['stag', 'prod'] as const satisfies readonly EnvName[];

const TAB_COMPONENTS: Record<AppTabName, ComponentType<AppTabProps>> = {
  overview: lazy(() => import('./OverviewTab.tsx')),
  deploys: lazy(() => import('./DeploysTab.tsx')),
  releases: lazy(() => import('./ReleasesTab.tsx')),
  logs: lazy(() => import('./LogsTab.tsx')),
  traffic: lazy(() => import('./TrafficTab.tsx')),
  config: lazy(() => import('./ConfigTab.tsx')),
  source: lazy(() => import('../source/SourceTab.tsx')),
  members: lazy(() => import('./MembersTab.tsx')),
  settings: lazy(() => import('./SettingsTab.tsx')),
};

function isEnv(value: string | undefined): value is EnvName {
  return (ENVS as readonly string[]).includes(value ?? '');
}

function isTab(value: string | undefined): value is AppTabName {
  return (APP_TABS as readonly string[]).includes(value ?? '');
}

export default function AppDetailPage() {
  const params = useParams();
  const code = params['code'] ?? '';
  const env = params['env'];
  const tab = params['tab'];
  if (!isEnv(env)) return <Navigate to={appPath(code)} replace />;
  if (!isTab(tab)) {
    // A known environment without a tab keeps the environment; anything unknown starts over.
    return <Navigate to={tab === undefined ? appPath(code, env) : appPath(code)} replace />;
  }
  return <AppFrame code={code} env={env} tab={tab} />;
}

function AppFrame({ code, env, tab }: { code: string; env: EnvName; tab: AppTabName }) {
  const api = useApi();
  const t = useMessages(frameMessages);
  const e = useMessages(envMessages);
  const navigate = useNavigate();
  const app = useAsync(() => api.getApp(code).then((r) => r.app), [api, code]);

  const showDeploy = useCallback(
    (deployId: string) => navigate(deployPath(code, env, deployId)),
    [navigate, code, env],
  );

  if (app.error) {
    if (errorCode(app.error) === 'APP_NOT_FOUND') {
      return (
        <Result
          status="404"
          title={<h1 style={{ fontSize: 22, margin: 0 }}>{t('notFoundTitle')}</h1>}
          subTitle={t('notFoundText', { code })}
          extra={<Link to="/apps">{t('backToApps')}</Link>}
          data-testid="app-not-found"
        />
      );
    }
    return <ErrorAlert error={app.error} onRetry={app.reload} />;
  }
  if (!app.data) return <Spin style={{ display: 'block', margin: '48px auto' }} />;
  // A late answer for another code (the address changed) is not shown as this app.
  if (app.data.code !== code) return <Spin style={{ display: 'block', margin: '48px auto' }} />;

  const current = app.data;
  const Tab = TAB_COMPONENTS[tab];
  return (
    <>
      <PageHeader
        title={
          <Flex gap={12} align="center" component="span">
            <AppLogo name={current.name} code={current.code} logoUrl={current.logoUrl} size={36} />
            <span>{current.name}</span>
          </Flex>
        }
        subtitle={
          <>
            <Typography.Text code data-testid="app-code">
              {current.code}
            </Typography.Text>
            {current.description ? ` ${current.description}` : null}
          </>
        }
        extra={
          <Segmented<EnvName>
            aria-label={t('environment')}
            data-testid="env-switch"
            value={env}
            onChange={(next) => navigate(appPath(code, next, tab))}
            options={ENVS.map((name) => ({
              value: name,
              label: <span data-testid={`env-switch-${name}`}>{e(name)}</span>,
            }))}
          />
        }
      />
      <Tabs
        activeKey={tab}
        onChange={(key) => navigate(appPath(code, env, key as AppTabName))}
        aria-label={t('tabs')}
        items={APP_TABS.map((name) => ({
          key: name,
          label: <span data-testid={`app-tab-${name}`}>{t(name)}</span>,
          children:
            name === tab ? (
              <Suspense fallback={<Spin style={{ display: 'block', margin: '32px auto' }} />}>
                <Tab
                  key={`${current.code}:${env}`}
                  app={current}
                  env={env}
                  reloadApp={app.reload}
                  showDeploy={showDeploy}
                />
              </Suspense>
            ) : null,
        }))}
      />
    </>
  );
}
