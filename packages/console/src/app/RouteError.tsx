// What a page shows when its code failed to load (an old tab after an upgrade: its chunks are gone)
// or threw while rendering.
import { Button, Result } from 'antd';
import { Link, useRouteError } from 'react-router';
import { common } from '../components/messages.ts';
import { useMessages } from '../i18n/I18nProvider.tsx';

export function RouteError() {
  const error = useRouteError();
  const t = useMessages(common);
  return (
    <Result
      status="error"
      title={t('crashTitle')}
      subTitle={t('crashText')}
      extra={[
        <Button key="reload" type="primary" onClick={() => window.location.reload()}>
          {t('reload')}
        </Button>,
        <Link key="home" to="/">
          {t('backHome')}
        </Link>,
      ]}
    >
      {error instanceof Error ? <pre className="berth-error-detail">{error.message}</pre> : null}
    </Result>
  );
}

export function NotFound() {
  const t = useMessages(common);
  return (
    <Result
      status="404"
      title={t('notFoundTitle')}
      subTitle={t('notFoundText')}
      extra={<Link to="/">{t('backHome')}</Link>}
    />
  );
}
