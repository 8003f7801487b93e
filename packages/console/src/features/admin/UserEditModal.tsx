// Edit a user (admin): display name, email, role. Only what changed is sent.
import type { User } from '@berth/sdk';
import { Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { useApi } from '../../api/ApiProvider.tsx';
import { ErrorAlert } from '../../components/ErrorAlert.tsx';
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const onFinish = async (values: EditForm) => {
    if (!user) return;
    const body = userChanges(user, values);
    if (!body) {
      onClose();
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const result = await api.updateUser(user.username, body);
      onSaved(result.user);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={user !== undefined}
      title={user ? t('editTitle', { username: user.username }) : ''}
      onCancel={onClose}
      okText={t('editSubmit')}
      onOk={() => form.submit()}
      confirmLoading={busy}
      okButtonProps={{ ...({ 'data-testid': 'user-edit-submit' } as object) }}
      width={600}
      destroyOnHidden
      afterOpenChange={(visible) => {
        if (visible) setError(undefined);
      }}
    >
      {error ? (
        <div style={{ marginBottom: 16 }}>
          <ErrorAlert error={error} />
        </div>
      ) : null}
      <Form<EditForm>
        key={user?.username}
        name="user-edit"
        initialValues={
          user ? { displayName: user.displayName, email: user.email ?? '', role: user.role } : undefined
        }
        form={form}
        layout="vertical"
        onFinish={onFinish}
        requiredMark={false}
        disabled={busy}
      >
        <Form.Item label={t('displayName')} name="displayName">
          <Input maxLength={100} data-testid="user-edit-display-name" />
        </Form.Item>
        <Form.Item
          label={t('email')}
          name="email"
          rules={[{ pattern: EMAIL_RE, message: t('emailInvalid') }]}
        >
          <Input type="email" maxLength={254} autoComplete="off" data-testid="user-edit-email" />
        </Form.Item>
        <Form.Item label={t('role')} name="role" extra={t('roleChangeNote')}>
          <RolePicker />
        </Form.Item>
        <button type="submit" hidden aria-hidden tabIndex={-1} />
      </Form>
    </Modal>
  );
}
