// Change my password (/account/password). Also the page every other one sends to after a login
// with passwordChangeRequired: it says why, and nothing else works until the change is done.
// The API revokes my other sessions and all my API tokens; the page says so, refreshes the
// session (the required flag is gone) and goes home.
import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { Link, useNavigate } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { useSession, useUser } from '../../app/session.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useFeedback } from '../../components/feedback.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useSubmit } from '../../components/use-submit.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { changePasswordMessages } from './messages.ts';
import { NewPasswordItem, useWeakPasswordMark } from './NewPasswordItem.tsx';

interface PasswordForm {
  currentPassword: string;
  newPassword: string;
  confirmPassword: string;
}

export default function PasswordPage() {
  const api = useApi();
  const user = useUser();
  const { refresh } = useSession();
  const navigate = useNavigate();
  const feedback = useFeedback();
  const t = useMessages(changePasswordMessages);
  const [form] = Form.useForm<PasswordForm>();
  const submit = useSubmit();
  const markWeak = useWeakPasswordMark(form, 'newPassword');
  const busy = submit.busy;
  const required = user.passwordChangeRequired === true;

  const onFinish = (values: PasswordForm) =>
    submit.run(async () => {
      await api.changePassword({ currentPassword: values.currentPassword, newPassword: values.newPassword });
      feedback.success(t('done'));
      await refresh();
      navigate('/', { replace: true });
    }, markWeak);

  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle', { username: user.username })} />
      <Card style={{ maxWidth: 560 }}>
        {required ? (
          <Alert
            type="warning"
            showIcon
            title={t('requiredTitle')}
            description={t('requiredText')}
            style={{ marginBottom: 16 }}
            data-testid="password-required"
          />
        ) : null}
        {submit.error ? (
          <div style={{ marginBottom: 16 }}>
            <ErrorAlert error={submit.error} />
          </div>
        ) : null}
        <Form<PasswordForm>
          form={form}
          layout="vertical"
          onFinish={onFinish}
          requiredMark={false}
          disabled={busy}
        >
          <input type="text" name="username" autoComplete="username" value={user.username} readOnly hidden />
          <Form.Item
            label={t('current')}
            name="currentPassword"
            rules={[{ required: true, message: t('currentRequired') }]}
          >
            <Input.Password autoComplete="current-password" data-testid="password-current" autoFocus />
          </Form.Item>
          <NewPasswordItem
            name="newPassword"
            label={t('newPassword')}
            requiredMessage={t('newRequired')}
            testId="password-new"
          />
          <Form.Item
            label={t('confirm')}
            name="confirmPassword"
            dependencies={['newPassword']}
            rules={[
              { required: true, message: t('confirmRequired') },
              ({ getFieldValue }) => ({
                validator: (_, value) =>
                  !value || value === getFieldValue('newPassword')
                    ? Promise.resolve()
                    : Promise.reject(new Error(t('mismatch'))),
              }),
            ]}
          >
            <Input.Password autoComplete="new-password" data-testid="password-confirm" />
          </Form.Item>
          <Typography.Paragraph type="secondary">{t('effect')}</Typography.Paragraph>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="password-submit">
            {t('submit')}
          </Button>
          {required ? null : (
            <Link to="/account" style={{ marginLeft: 16 }}>
              {t('back')}
            </Link>
          )}
        </Form>
      </Card>
    </>
  );
}
