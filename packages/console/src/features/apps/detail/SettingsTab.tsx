// The settings tab: the app's details, its secret (reveal, rotate), its instance limit, the deploy
// policy of its environments, and deleting it. These concern the whole app, not one environment.
import { Flex } from 'antd';
import { useNavigate } from 'react-router';
import { useUser } from '../../../app/session.tsx';
import { deployPath } from '../app-paths.ts';
import { PolicyCard } from '../policy/PolicyCard.tsx';
import { AppInfoCard } from '../tabs-b/AppInfoCard.tsx';
import { AppLimitsCard } from '../tabs-b/AppLimitsCard.tsx';
import { AppSecretCard } from '../tabs-b/AppSecretCard.tsx';
import { canRevealSecrets, canSetLimits, canWriteApp } from '../tabs-b/can-write.ts';
import { DeleteAppCard } from '../tabs-b/DeleteAppCard.tsx';
import type { AppTabProps } from './tab-props.ts';
import { useAppPermissions } from './use-app-permissions.ts';

export default function SettingsTab({ app, env, reloadApp, showDeploy }: AppTabProps) {
  const user = useUser();
  const navigate = useNavigate();
  const writer = canWriteApp(user);
  const perms = useAppPermissions(app.code);
  return (
    <Flex vertical gap={16}>
      <AppInfoCard app={app} writer={writer} onSaved={reloadApp} />
      <AppSecretCard
        code={app.code}
        allowed={canRevealSecrets(user)}
        openDeploy={(deploy) => {
          // showDeploy opens this environment's deploys tab; a restart of the other one is there.
          if (deploy.env === env) showDeploy(deploy.id);
          else navigate(deployPath(app.code, deploy.env, deploy.id));
        }}
      />
      <AppLimitsCard code={app.code} admin={canSetLimits(user)} />
      <PolicyCard code={app.code} editable={perms.data?.actions.includes('policy.write') ?? false} />
      {writer ? <DeleteAppCard code={app.code} /> : null}
    </Flex>
  );
}
