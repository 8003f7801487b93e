// The hosted repository's git remote (GET /apps/{code}/git): the URL with a copy button, the lines
// that set it up in a working copy, and how to log in (your user name, an API token as password).
import { Card, Flex, Skeleton, Typography } from 'antd';
import { useApi } from '../../../api/ApiProvider.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { MONO_BLOCK } from '../../../components/mono.ts';
import { useAsync } from '../../../components/use-async.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { CardTitle, CopyableCode } from './Field.tsx';
import { sourceMessages } from './source-messages.ts';

export function GitRemoteCard({ code, branch }: { code: string; branch: string }) {
  const api = useApi();
  const t = useMessages(sourceMessages);
  const remote = useAsync(() => api.gitRemote(code), [api, code]);
  const setup = remote.data ? `git remote add berth ${remote.data.remote}\ngit push berth ${branch}` : '';
  return (
    <Card title={<CardTitle>{t('remoteTitle')}</CardTitle>} data-testid="git-remote-card">
      <Typography.Paragraph>{t('remoteText')}</Typography.Paragraph>
      {remote.error ? <ErrorAlert error={remote.error} onRetry={remote.reload} /> : null}
      {!remote.data && !remote.error ? <Skeleton active paragraph={{ rows: 2 }} /> : null}
      {remote.data ? (
        <Flex vertical gap={8}>
          <div>
            <Typography.Text strong>{t('remoteLabel')}: </Typography.Text>
            <CopyableCode text={remote.data.remote} testId="git-remote" />
          </div>
          <Typography.Text>{t('remoteSetup')}</Typography.Text>
          <Typography.Paragraph
            copyable={{ text: setup }}
            style={{ margin: 0 }}
            data-testid="git-remote-setup"
          >
            <pre style={MONO_BLOCK}>{setup}</pre>
          </Typography.Paragraph>
          <Typography.Text data-testid="git-remote-user">
            {t('remoteUser', { username: remote.data.username })}
          </Typography.Text>
          <Typography.Text type="secondary">{t('remotePassword')}</Typography.Text>
        </Flex>
      ) : null}
    </Card>
  );
}
