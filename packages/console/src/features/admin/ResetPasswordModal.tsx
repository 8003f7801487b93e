// Reset another user's password (admins: anyone but themselves; operators: developers). The API
// revokes the user's sessions and API tokens; the modal says so before.
import type { User } from '@berth/sdk';
import { Form, Typography } from 'antd';
import { useApi } from '../../api/ApiProvider.tsx';
import { FormModal } from '../../components/FormModal.tsx';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { NewPasswordItem, useWeakPasswordMark } from '../account/NewPasswordItem.tsx';
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
  const [form] = Form.useForm<{ password: string }>();
  const markWeak = useWeakPasswordMark(form, 'password');

  return (
    <FormModal<{ password: string }>
      open={user !== undefined}
      title={user ? t('resetTitle', { username: user.username }) : ''}
      onClose={onClose}
      okText={t('resetSubmit')}
      okTestId="user-reset-submit"
      danger
      form={form}
      name="user-reset"
      intro={
        user ? (
          <Typography.Paragraph>{t('resetText', { username: user.username })}</Typography.Paragraph>
        ) : null
      }
      onSubmit={async ({ password }) => {
        if (!user) return;
        const result = await api.updateUser(user.username, { password });
        onDone(result.user);
      }}
      onError={markWeak}
    >
      <NewPasswordItem
        name="password"
        label={t('newPassword')}
        requiredMessage={t('passwordRequired')}
        testId="user-reset-password"
      />
    </FormModal>
  );
}
