// The app's instance ceiling (its environments together): read by everyone who sees the app, set
// by admins (or returned to the platform default).
import type { AppLimits } from '@berth/sdk';
import { Button, Card, Flex, InputNumber, Skeleton, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../../../api/ApiProvider.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { useAsync } from '../../../components/use-async.ts';
import { useFormat } from '../../../i18n/format-hooks.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { settingsMessages } from './settings-messages.ts';

export function AppLimitsCard({ code, admin }: { code: string; admin: boolean }) {
  const api = useApi();
  const t = useMessages(settingsMessages);
  const format = useFormat();
  const feedback = useFeedback();
  const limits = useAsync(async () => (await api.getAppLimits(code)).limits, [api, code]);
  const [draft, setDraft] = useState<number | null>(null);
  const [saving, setSaving] = useState(false);

  const save = async (maxInstances: number | null) => {
    setSaving(true);
    try {
      const { limits: next } = await api.setAppLimits(code, { maxInstances });
      limits.setData(next);
      setDraft(null);
      feedback.success(t('limitsSaved', { app: code, count: format.number(next.maxInstances) }));
    } catch (err) {
      feedback.error(err);
    } finally {
      setSaving(false);
    }
  };

  const body = (current: AppLimits) => (
    <Flex vertical gap={12}>
      <Typography.Paragraph style={{ margin: 0 }} data-testid="limits-text">
        {t('limitsText', { app: code, count: format.number(current.maxInstances) })}{' '}
        <Typography.Text type="secondary">
          {current.platformDefault ? t('limitsDefault') : t('limitsCustom', { app: code })}
        </Typography.Text>
      </Typography.Paragraph>
      {admin ? (
        <Flex gap={8} wrap align="center">
          <InputNumber<number>
            min={1}
            precision={0}
            value={draft ?? current.maxInstances}
            onChange={(v) => setDraft(v)}
            aria-label={t('limitsNew')}
            disabled={saving}
            data-testid="limits-input"
          />
          <Button
            type="primary"
            onClick={() => draft !== null && save(draft)}
            disabled={draft === null || draft === current.maxInstances}
            loading={saving}
            data-testid="limits-save"
          >
            {t('limitsSave')}
          </Button>
          {!current.platformDefault ? (
            <Button onClick={() => save(null)} disabled={saving} data-testid="limits-reset">
              {t('limitsReset')}
            </Button>
          ) : null}
        </Flex>
      ) : (
        <Typography.Text type="secondary">{t('limitsAdminOnly')}</Typography.Text>
      )}
    </Flex>
  );

  return (
    <Card
      title={
        <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
          {t('limitsTitle')}
        </Typography.Title>
      }
    >
      {limits.error ? (
        <ErrorAlert error={limits.error} onRetry={limits.reload} />
      ) : limits.data ? (
        body(limits.data)
      ) : (
        <Skeleton active paragraph={{ rows: 1 }} />
      )}
    </Card>
  );
}
