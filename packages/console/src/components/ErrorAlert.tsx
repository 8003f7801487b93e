// A failed call, shown as the catalogue says it: the message in the visitor's language, the
// stable code (what to search the docs or the logs for), the server's own detail, and a retry.
import { Alert, Button, Typography } from 'antd';
import { describeError } from '../api/errors.ts';
import { useLocale, useMessages } from '../i18n/I18nProvider.tsx';
import { common } from './messages.ts';

export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { locale } = useLocale();
  const t = useMessages(common);
  const shown = describeError(error, locale);
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={shown.message}
      description={
        <>
          <div>
            {t('errorCode')}: <Typography.Text code>{shown.code}</Typography.Text>
          </div>
          {shown.detail ? (
            <div>
              {t('serverSaid')}: {shown.detail}
            </div>
          ) : null}
        </>
      }
      action={
        onRetry ? (
          <Button size="small" onClick={onRetry}>
            {t('retry')}
          </Button>
        ) : undefined
      }
    />
  );
}
