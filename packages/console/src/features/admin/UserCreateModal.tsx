// Create a user (admin): username, display name, email, role, initial password.
import type { User } from '@berth/sdk';
import { Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { useApi } from '../../api/ApiProvider.tsx';
import type { Role } from '../../app/feature.ts';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { passwordMessages } from '../account/password-messages.ts';
import { weakPasswordRule } from '../account/password-problem.ts';
import { RolePicker } from './RolePicker.tsx';
import { EMAIL_RE, USERNAME_RE } from './user-fields.ts';
import { usersMessages } from './users-messages.ts';

interface CreateForm {
  username: string;
  displayName?: string;
  email?: string;
  role: Role;
  password: string;
}

export function UserCreateModal({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose(): void;
  onCreated(user: User): void;
}) {
  const api = useApi();
  const t = useMessages(usersMessages);
  const p = useMessages(passwordMessages);
  const [form] = Form.useForm<CreateForm>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const onFinish = async (values: CreateForm) => {
    setBusy(true);
    setError(undefined);
    try {
      const displayName = values.displayName?.trim();
      const email = values.email?.trim();
      const { user } = await api.createUser({
        username: values.username.trim(),
        password: values.password,
        role: values.role,
        ...(displayName ? { displayName } : {}),
        ...(email ? { email } : {}),
      });
      form.resetFields();
      onCreated(user);
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
      open={open}
      title={t('createTitle')}
      onCancel={onClose}
      okText={t('createSubmit')}
      onOk={() => form.submit()}
      confirmLoading={busy}
      okButtonProps={{ ...({ 'data-testid': 'user-create-submit' } as object) }}
      afterOpenChange={(visible) => {
        if (visible) setError(undefined);
      }}
      width={600}
      destroyOnHidden
    >
      {error ? (
        <div style={{ marginBottom: 16 }}>
          <ErrorAlert error={error} />
        </div>
      ) : null}
      <Form<CreateForm>
        name="user-create"
        form={form}
        layout="vertical"
        onFinish={onFinish}
        requiredMark={false}
        initialValues={{ role: 'developer' }}
        disabled={busy}
      >
        <Form.Item
          label={t('username')}
          name="username"
          extra={t('usernameHelp')}
          rules={[
            { required: true, whitespace: true, message: t('usernameRequired') },
            { pattern: USERNAME_RE, message: t('usernameInvalid') },
          ]}
        >
          <Input autoComplete="off" maxLength={64} data-testid="user-username" />
        </Form.Item>
        <Form.Item label={t('displayName')} name="displayName" extra={t('displayNameHelp')}>
          <Input maxLength={100} data-testid="user-display-name" />
        </Form.Item>
        <Form.Item
          label={t('email')}
          name="email"
          rules={[{ pattern: EMAIL_RE, message: t('emailInvalid') }]}
        >
          <Input type="email" maxLength={254} autoComplete="off" data-testid="user-email" />
        </Form.Item>
        <Form.Item label={t('role')} name="role" rules={[{ required: true }]}>
          <RolePicker />
        </Form.Item>
        <Form.Item
          label={t('initialPassword')}
          name="password"
          extra={`${t('initialPasswordHelp')} ${p('policy')}`}
          rules={[{ required: true, message: t('passwordRequired') }]}
        >
          <Input.Password autoComplete="new-password" maxLength={256} data-testid="user-password" />
        </Form.Item>
        <button type="submit" hidden aria-hidden tabIndex={-1} />
      </Form>
    </Modal>
  );
}
