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
      theme={{
        token: {
          colorPrimary: '#1668dc',
          borderRadius: 6,
          // antd's defaults for secondary, tertiary and placeholder text, links, errors and success
          // fall below WCAG AA's 4.5:1 on white (and on their tags' tinted backgrounds).
          colorTextSecondary: 'rgba(0, 0, 0, 0.65)',
          colorTextDescription: 'rgba(0, 0, 0, 0.65)',
          colorTextTertiary: 'rgba(0, 0, 0, 0.6)',
          colorTextPlaceholder: 'rgba(0, 0, 0, 0.55)',
          colorLink: '#0958d9',
          // Status colours one step darker; their tinted backgrounds kept light (antd would derive
          // greyish ones from the darker seeds).
          colorError: '#cf1322',
          colorErrorBg: '#fff1f0',
          colorErrorBorder: '#ffa39e',
          colorSuccess: '#237804',
          colorSuccessBg: '#f6ffed',
          colorSuccessBorder: '#b7eb8f',
          colorWarning: '#ad6800',
          colorWarningBg: '#fffbe6',
          colorWarningBorder: '#ffe58f',
        },
      }}
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
