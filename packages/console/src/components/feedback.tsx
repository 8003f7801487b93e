// Short-lived feedback after an action: success toasts, and failures with their code (a failed
// action must never pass silently).
import { App, Typography } from 'antd';
import { useMemo } from 'react';
import { describeError } from '../api/errors.ts';
import { useLocale, useMessages } from '../i18n/I18nProvider.tsx';
import { common } from './messages.ts';

export interface Feedback {
  success(text: string): void;
  error(err: unknown): void;
}

export function useFeedback(): Feedback {
  const { message, notification } = App.useApp();
  const { locale } = useLocale();
  const t = useMessages(common);
  return useMemo(
    () => ({
      success: (text) => {
        message.success(text);
      },
      error: (err) => {
        const shown = describeError(err, locale);
        notification.error({
          title: shown.message,
          description: (
            <>
              <div>
                {t('errorCode')}: <Typography.Text code>{shown.code}</Typography.Text>
              </div>
              {shown.detail ? <div>{shown.detail}</div> : null}
            </>
          ),
          duration: 8,
        });
      },
    }),
    [message, notification, locale, t],
  );
}
