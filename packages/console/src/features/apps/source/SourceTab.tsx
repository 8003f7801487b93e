// The source tab of an app's page (the same in both environments, like settings): the hosted
// repository's git remote, what a push deploys where and the external repository, the webhook and
// its deliveries, the pinned manifest, and the builds. Reading needs only to see the app; changes
// follow the app's permissions (`source.write`, `source.pin`), and the API decides in the end.
import { Flex, Skeleton } from 'antd';
import { useApi } from '../../../api/ApiProvider.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { useAsync } from '../../../components/use-async.ts';
import type { AppTabProps } from '../detail/tab-props.ts';
import { useAppPermissions } from '../detail/use-app-permissions.ts';
import { BuildsCard } from './BuildsCard.tsx';
import { GitRemoteCard } from './GitRemoteCard.tsx';
import { PinCard } from './PinCard.tsx';
import { SourceSettingsCard } from './SourceSettingsCard.tsx';
import { WebhookCard } from './WebhookCard.tsx';

export default function SourceTab({ app }: AppTabProps) {
  const api = useApi();
  const settings = useAsync(async () => (await api.getSource(app.code)).source, [api, app.code]);
  const perms = useAppPermissions(app.code);
  const actions = perms.data?.actions ?? [];
  const writable = actions.includes('source.write');

  if (settings.error) return <ErrorAlert error={settings.error} onRetry={settings.reload} />;
  if (!settings.data || perms.loading) return <Skeleton active paragraph={{ rows: 6 }} />;
  return (
    <Flex vertical gap={16}>
      <GitRemoteCard code={app.code} branch={settings.data.branch} />
      <SourceSettingsCard
        // A saved change starts the form again from what the server answered.
        key={JSON.stringify(settings.data)}
        code={app.code}
        settings={settings.data}
        writable={writable}
        onSaved={settings.setData}
      />
      <WebhookCard code={app.code} writable={writable} />
      <PinCard
        code={app.code}
        pin={settings.data.pin}
        editable={actions.includes('source.pin')}
        onSaved={settings.setData}
      />
      <BuildsCard code={app.code} />
    </Flex>
  );
}
