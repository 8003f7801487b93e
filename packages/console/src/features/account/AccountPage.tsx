// My account (/account): who I am (username, display name, role, email), a way to change my
// password, and my API tokens.
import { LockOutlined } from '@ant-design/icons';
import { Button, Card, Descriptions, Flex, Typography } from 'antd';
import { useNavigate } from 'react-router';
import { useUser } from '../../app/session.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useRoleLabel } from '../../components/roles.ts';
import { ToneTag } from '../../components/ToneTag.tsx';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { MyTokens } from './MyTokens.tsx';
import { accountMessages } from './messages.ts';

export default function AccountPage() {
  const user = useUser();
  const t = useMessages(accountMessages);
  const roleLabel = useRoleLabel();
  const format = useFormat();
  const navigate = useNavigate();
  return (
    <>
      <PageHeader
        title={t('title')}
        subtitle={t('subtitle')}
        extra={
          <Button
            icon={<LockOutlined />}
            onClick={() => navigate('/account/password')}
            data-testid="account-change-password"
          >
            {t('changePassword')}
          </Button>
        }
      />
      <Flex vertical gap={16}>
        <Card title={t('profile')}>
          <Descriptions column={{ xs: 1, sm: 1, md: 2 }} data-testid="account-profile">
            <Descriptions.Item label={t('username')}>
              <Typography.Text code data-testid="account-username">
                {user.username}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('displayName')}>{user.displayName}</Descriptions.Item>
            <Descriptions.Item label={t('role')}>
              <Flex gap={8} wrap align="center">
                <ToneTag tone="blue" testId="account-role">
                  {roleLabel(user.role)}
                </ToneTag>
                <Typography.Text type="secondary">{t('roleHelp')}</Typography.Text>
              </Flex>
            </Descriptions.Item>
            <Descriptions.Item label={t('email')}>
              {user.email ?? <Typography.Text type="secondary">{t('noEmail')}</Typography.Text>}
            </Descriptions.Item>
            <Descriptions.Item label={t('createdAt')}>{format.dateTime(user.createdAt)}</Descriptions.Item>
          </Descriptions>
        </Card>
        <MyTokens />
      </Flex>
    </>
  );
}
