// The app's details (name, description, logo) in a form; only what changed is sent, and an emptied
// logo address removes the logo.
import type { App } from '@berth/sdk';
import { Button, Card, Flex, Form, Input, Typography } from 'antd';
import { useApi } from '../../../api/ApiProvider.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { useSubmit } from '../../../components/use-submit.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { APP_DESCRIPTION_MAX, APP_NAME_MAX } from '../app-summary.ts';
import { type AppInfoForm, appInfoChange } from './app-info-change.ts';
import { settingsMessages } from './settings-messages.ts';

export function AppInfoCard({ app, writer, onSaved }: { app: App; writer: boolean; onSaved(): void }) {
  const api = useApi();
  const t = useMessages(settingsMessages);
  const feedback = useFeedback();
  const submission = useSubmit();
  const { error, busy: saving } = submission;

  const submit = async (values: AppInfoForm) => {
    const body = appInfoChange(app, values);
    if (!body) {
      feedback.success(t('nothingChanged'));
      return;
    }
    await submission.run(async () => {
      await api.updateApp(app.code, body);
      feedback.success(t('infoSaved', { app: app.code }));
      onSaved();
    });
  };

  return (
    <Card
      title={
        <Typography.Title level={2} style={{ fontSize: 16, margin: 0 }}>
          {t('infoTitle')}
        </Typography.Title>
      }
    >
      {error ? (
        <div style={{ marginBottom: 12 }}>
          <ErrorAlert error={error} />
        </div>
      ) : null}
      <Form<AppInfoForm>
        key={app.updatedAt}
        layout="vertical"
        requiredMark={false}
        disabled={saving || !writer}
        onFinish={submit}
        initialValues={{ name: app.name, description: app.description, logoUrl: app.logoUrl ?? '' }}
        style={{ maxWidth: 640 }}
      >
        <Form.Item label={t('code')} extra={t('codeFixed')}>
          <Typography.Text code>{app.code}</Typography.Text>
        </Form.Item>
        <Form.Item
          label={t('name')}
          name="name"
          rules={[{ required: true, whitespace: true, message: t('nameRequired') }]}
        >
          <Input maxLength={APP_NAME_MAX} data-testid="app-edit-name" />
        </Form.Item>
        <Form.Item label={t('description')} name="description">
          <Input.TextArea
            autoSize={{ minRows: 2, maxRows: 8 }}
            maxLength={APP_DESCRIPTION_MAX}
            data-testid="app-edit-description"
          />
        </Form.Item>
        <Form.Item
          label={t('logoUrl')}
          name="logoUrl"
          extra={t('logoUrlHelp')}
          rules={[{ pattern: /^(https?:\/\/\S+)?$/i, message: t('logoUrlInvalid') }]}
        >
          <Input inputMode="url" maxLength={2048} data-testid="app-edit-logo" />
        </Form.Item>
        {writer ? (
          <Flex justify="flex-start">
            <Button type="primary" htmlType="submit" loading={saving} data-testid="app-edit-submit">
              {t('saveInfo')}
            </Button>
          </Flex>
        ) : null}
      </Form>
    </Card>
  );
}
