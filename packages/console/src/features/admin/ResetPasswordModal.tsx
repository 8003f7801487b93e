// Reset another user's password (admins: anyone but themselves; operators: developers). The API
// revokes the user's sessions and API tokens; the modal says so before.
import type { User } from '@berth/sdk';
import { Form, Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../../api/ApiProvider.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { passwordMessages } from '../account/password-messages.ts';
import { weakPasswordRule } from '../account/password-problem.ts';
import { usersMessages } from './users-messages.ts';

export function ResetPasswordModal({
  user,
  onClose,
  onDone,
}: {
  user: User | undefined;
  onClose(): void;
  onDone(user: User): void;
}) {
  const api = useApi();
  const t = useMessages(usersMessages);
  const p = useMessages(passwordMessages);
  const [form] = Form.useForm<{ password: string }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const onFinish = async ({ password }: { password: string }) => {
    if (!user) return;
    setBusy(true);
    setError(undefined);
    try {
      const result = await api.updateUser(user.username, { password });
      onDone(result.user);
    } catch (err) {
      setError(err);
      const rule = weakPasswordRule(err, p);
      if (rule) form.setFields([{ name: 'password', errors: [rule] }]);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={user !== undefined}
      title={user ? t('resetTitle', { username: user.username }) : ''}
      onCancel={onClose}
      okText={t('resetSubmit')}
      okButtonProps={{ danger: true, ...({ 'data-testid': 'user-reset-submit' } as object) }}
      onOk={() => form.submit()}
      confirmLoading={busy}
      destroyOnHidden
      afterOpenChange={(visible) => {
        if (visible) setError(undefined);
      }}
    >
      {user ? (
        <Typography.Paragraph>{t('resetText', { username: user.username })}</Typography.Paragraph>
      ) : null}
      {error ? (
        <div style={{ marginBottom: 16 }}>
          <ErrorAlert error={error} />
        </div>
      ) : null}
      <Form<{ password: string }>
        name="user-reset"
        form={form}
        layout="vertical"
        onFinish={onFinish}
        requiredMark={false}
        disabled={busy}
      >
        <Form.Item
          label={t('newPassword')}
          name="password"
          extra={p('policy')}
          rules={[{ required: true, message: t('passwordRequired') }]}
        >
          <Input.Password autoComplete="new-password" maxLength={256} data-testid="user-reset-password" />
        </Form.Item>
        <button type="submit" hidden aria-hidden tabIndex={-1} />
      </Form>
    </Modal>
  );
}
