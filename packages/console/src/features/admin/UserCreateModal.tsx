// Create a user (admin): username, display name, email, role, initial password.
import type { User } from '@berth/sdk';
import { Form, Input } from 'antd';
import { useApi } from '../../api/ApiProvider.tsx';
import type { Role } from '../../app/feature.ts';
import { FormModal } from '../../components/FormModal.tsx';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { NewPasswordItem, useWeakPasswordMark } from '../account/NewPasswordItem.tsx';
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
  const [form] = Form.useForm<CreateForm>();
  const markWeak = useWeakPasswordMark(form, 'password');

  const onSubmit = async (values: CreateForm) => {
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
  };

  return (
    <FormModal<CreateForm>
      open={open}
      title={t('createTitle')}
      onClose={onClose}
      okText={t('createSubmit')}
      okTestId="user-create-submit"
      width={600}
      form={form}
      name="user-create"
      initialValues={{ role: 'developer' }}
      onSubmit={onSubmit}
      onError={markWeak}
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
      <Form.Item label={t('email')} name="email" rules={[{ pattern: EMAIL_RE, message: t('emailInvalid') }]}>
        <Input type="email" maxLength={254} autoComplete="off" data-testid="user-email" />
      </Form.Item>
      <Form.Item label={t('role')} name="role" rules={[{ required: true }]}>
        <RolePicker />
      </Form.Item>
      <NewPasswordItem
        name="password"
        label={t('initialPassword')}
        requiredMessage={t('passwordRequired')}
        help={t('initialPasswordHelp')}
        testId="user-password"
      />
    </FormModal>
  );
}
