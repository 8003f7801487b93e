// Edit a user (admin): display name, email, role. Only what changed is sent.
import type { User } from '@berth/sdk';
import { Form, Input } from 'antd';
import { useApi } from '../../api/ApiProvider.tsx';
import { FormModal } from '../../components/FormModal.tsx';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { RolePicker } from './RolePicker.tsx';
import { type EditForm, EMAIL_RE, userChanges } from './user-fields.ts';
import { usersMessages } from './users-messages.ts';

export function UserEditModal({
  user,
  onClose,
  onSaved,
}: {
  user: User | undefined;
  onClose(): void;
  onSaved(user: User): void;
}) {
  const api = useApi();
  const t = useMessages(usersMessages);
  const [form] = Form.useForm<EditForm>();

  const onSubmit = async (values: EditForm) => {
    if (!user) return;
    const body = userChanges(user, values);
    if (!body) {
      onClose();
      return;
    }
    const result = await api.updateUser(user.username, body);
    onSaved(result.user);
  };

  return (
    <FormModal<EditForm>
      open={user !== undefined}
      title={user ? t('editTitle', { username: user.username }) : ''}
      onClose={onClose}
      okText={t('editSubmit')}
      okTestId="user-edit-submit"
      width={600}
      form={form}
      name="user-edit"
      {...(user ? { formKey: user.username } : {})}
      initialValues={
        user ? { displayName: user.displayName, email: user.email ?? '', role: user.role } : undefined
      }
      onSubmit={onSubmit}
    >
      <Form.Item label={t('displayName')} name="displayName">
        <Input maxLength={100} data-testid="user-edit-display-name" />
      </Form.Item>
      <Form.Item label={t('email')} name="email" rules={[{ pattern: EMAIL_RE, message: t('emailInvalid') }]}>
        <Input type="email" maxLength={254} autoComplete="off" data-testid="user-edit-email" />
      </Form.Item>
      <Form.Item label={t('role')} name="role" extra={t('roleChangeNote')}>
        <RolePicker />
      </Form.Item>
    </FormModal>
  );
}
