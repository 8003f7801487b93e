// An operator's or admin's rollback without approval, where the environment needs it: the reason
// is required and audited; the deploy opens in the deploys tab.
import type { App, EnvName } from '@berth/sdk';
import { Form, Input, Typography } from 'antd';
import { useApi } from '../../../api/ApiProvider.tsx';
import { FormModal } from '../../../components/FormModal.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { envMessages } from '../env-messages.ts';
import { requestFormMessages } from './request-messages.ts';

const REASON_MAX = 2000;

export function EmergencyRollbackModal({
  app,
  env,
  version,
  onClose,
  onStarted,
}: {
  app: App;
  env: EnvName;
  /** The release to roll back to; the modal is open while it is set. */
  version: number | undefined;
  onClose(): void;
  onStarted(deployId: string): void;
}) {
  const api = useApi();
  const t = useMessages(requestFormMessages);
  const e = useMessages(envMessages);
  const feedback = useFeedback();
  const [form] = Form.useForm<{ reason: string }>();
  const params = { env: e(env), app: app.code, version: version ?? '' };
  return (
    <FormModal<{ reason: string }>
      open={version !== undefined}
      title={t('emergencyTitle', params)}
      intro={<Typography.Paragraph>{t('emergencyIntro', params)}</Typography.Paragraph>}
      okText={t('emergencyOk')}
      okTestId="emergency-ok"
      danger
      form={form}
      name="emergency-rollback"
      onClose={onClose}
      onSubmit={async (values) => {
        if (version === undefined) return;
        const { deploy } = await api.rollback(app.code, env, {
          version,
          emergencyReason: values.reason.trim(),
        });
        onClose();
        feedback.success(t('emergencyStarted', { version }));
        onStarted(deploy.id);
      }}
    >
      <Form.Item
        name="reason"
        label={t('emergencyReason')}
        rules={[{ required: true, whitespace: true, message: t('emergencyReasonRequired') }]}
      >
        <Input.TextArea rows={3} maxLength={REASON_MAX} data-testid="emergency-reason" />
      </Form.Item>
    </FormModal>
  );
}
