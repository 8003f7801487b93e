// The console's providers, outermost first: language, antd (its own strings and theme follow the
// language), the API client, the session, then the router.
import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { type ReactNode, useEffect, useState } from 'react';
import { RouterProvider } from 'react-router';
import { ApiProvider } from '../api/ApiProvider.tsx';
import { I18nProvider, useLocale } from '../i18n/I18nProvider.tsx';
import { createConsoleRouter } from './router.tsx';
import { SessionProvider } from './session.tsx';

function Localized({ children }: { children: ReactNode }) {
  const { locale } = useLocale();
  useEffect(() => {
    dayjs.locale(locale === 'zh-CN' ? 'zh-cn' : 'en');
  }, [locale]);
  return (
    <ConfigProvider
      locale={locale === 'zh-CN' ? zhCN : enUS}
      theme={{ token: { colorPrimary: '#1668dc', borderRadius: 6 } }}
    >
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}

export function ConsoleApp() {
  const [router] = useState(createConsoleRouter);
  return (
    <I18nProvider>
      <Localized>
        <ApiProvider>
          <SessionProvider>
            <RouterProvider router={router} />
          </SessionProvider>
        </ApiProvider>
      </Localized>
    </I18nProvider>
  );
}
