// The frame of every page for a logged-in user: the side menu (from the features' nav entries, for
// the user's role), the header (language, account, log out), and the page itself.
import { LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Dropdown, Grid, Layout, Menu, Result, Spin, Typography } from 'antd';
import { Suspense, useMemo, useState } from 'react';
import { Navigate, Outlet, useLocation, useNavigate } from 'react-router';
import { ErrorAlert } from '../components/ErrorAlert.tsx';
import { useFeedback } from '../components/feedback.tsx';
import { FEATURES } from '../features/index.ts';
import { useLocale, useMessages } from '../i18n/I18nProvider.tsx';
import type { NavItem } from './feature.ts';
import { LanguageSwitch } from './LanguageSwitch.tsx';
import { shell } from './messages.ts';
import { useSession } from './session.tsx';

const NAV: NavItem[] = FEATURES.flatMap((f) => f.nav ?? []).sort((a, b) => a.order - b.order);

function selectedKey(pathname: string): string | undefined {
  let best: string | undefined;
  for (const item of NAV) {
    const match =
      item.path === '/' ? pathname === '/' : pathname === item.path || pathname.startsWith(`${item.path}/`);
    if (match && (!best || item.path.length > best.length)) best = item.path;
  }
  return best;
}

export function Shell() {
  const { state, logout } = useSession();
  const { locale } = useLocale();
  const t = useMessages(shell);
  const location = useLocation();
  const navigate = useNavigate();
  const feedback = useFeedback();
  const screens = Grid.useBreakpoint();
  const [collapsed, setCollapsed] = useState<boolean | undefined>(undefined);
  const narrow = !screens.lg;
  const isCollapsed = collapsed ?? narrow;

  const items = useMemo(() => {
    if (state.status !== 'user') return [];
    const visible = NAV.filter((n) => !n.roles || n.roles.includes(state.user.role));
    const toItem = (n: NavItem) => ({
      key: n.path,
      icon: n.icon,
      label: n.badge ? (
        <span>
          {n.label[locale]} <n.badge />
        </span>
      ) : (
        n.label[locale]
      ),
    });
    const main = visible.filter((n) => n.section === 'main').map(toItem);
    const admin = visible.filter((n) => n.section === 'admin').map(toItem);
    return admin.length > 0
      ? [...main, { type: 'group' as const, key: 'admin', label: t('sectionAdmin'), children: admin }]
      : main;
  }, [state, locale, t]);

  if (state.status === 'loading') {
    return <Spin fullscreen aria-label="…" />;
  }
  if (state.status === 'error') {
    return <Result status="error" title={t('sessionError')} extra={<ErrorAlert error={state.error} />} />;
  }
  if (state.status === 'anonymous') {
    const next = location.pathname + location.search;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  const user = state.user;
  if (user.passwordChangeRequired && location.pathname !== '/account/password') {
    return <Navigate to="/account/password" replace />;
  }
  const roleLabel = {
    admin: t('roleAdmin'),
    operator: t('roleOperator'),
    developer: t('roleDeveloper'),
    auditor: t('roleAuditor'),
  }[user.role];

  const onLogout = async () => {
    try {
      await logout();
      feedback.success(t('loggedOut'));
      navigate('/login', { replace: true });
    } catch (err) {
      feedback.error(err);
    }
  };

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <a className="berth-skip-link" href="#berth-main">
        {t('skipToContent')}
      </a>
      <Layout.Sider
        collapsible
        collapsed={isCollapsed}
        onCollapse={setCollapsed}
        collapsedWidth={narrow ? 0 : 64}
        breakpoint="lg"
        theme="dark"
        width={216}
        style={narrow && !isCollapsed ? { position: 'fixed', height: '100vh', zIndex: 20 } : undefined}
        trigger={null}
      >
        <div className="berth-brand">{isCollapsed && !narrow ? 'B' : t('brand')}</div>
        <nav aria-label={t('menu')}>
          <Menu
            theme="dark"
            mode="inline"
            selectedKeys={[selectedKey(location.pathname) ?? '']}
            items={items}
            onClick={({ key }) => {
              navigate(key);
              if (narrow) setCollapsed(true);
            }}
          />
        </nav>
      </Layout.Sider>
      <Layout>
        <Layout.Header className="berth-header">
          <Button
            type="text"
            aria-label={t('menu')}
            aria-expanded={!isCollapsed}
            onClick={() => setCollapsed(!isCollapsed)}
            className="berth-menu-button"
          >
            ☰
          </Button>
          <div className="berth-header-right">
            <LanguageSwitch />
            <Dropdown
              menu={{
                items: [
                  { key: 'account', icon: <UserOutlined />, label: t('account') },
                  { key: 'logout', icon: <LogoutOutlined />, label: t('logout') },
                ],
                onClick: ({ key }) => {
                  if (key === 'account') navigate('/account');
                  else void onLogout();
                },
              }}
              trigger={['click']}
            >
              <Button type="text" data-testid="user-menu">
                <UserOutlined /> <Typography.Text strong>{user.displayName || user.username}</Typography.Text>
                {screens.sm ? <Typography.Text type="secondary"> · {roleLabel}</Typography.Text> : null}
              </Button>
            </Dropdown>
          </div>
        </Layout.Header>
        <Layout.Content id="berth-main" className="berth-content" tabIndex={-1}>
          {/* antd's Layout.Content is the page's <main> landmark. */}
          <Suspense fallback={<Spin style={{ display: 'block', margin: '48px auto' }} />}>
            <Outlet />
          </Suspense>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
