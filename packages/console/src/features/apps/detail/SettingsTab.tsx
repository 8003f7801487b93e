// The settings tab: the app's details, its secret (reveal, rotate), its instance limit, and
// deleting it. These concern the whole app, not one environment.
import { Flex } from 'antd';
import { useNavigate } from 'react-router';
import { useUser } from '../../../app/session.tsx';
import { deployPath } from '../app-paths.ts';
import { AppInfoCard } from '../tabs-b/AppInfoCard.tsx';
import { AppLimitsCard } from '../tabs-b/AppLimitsCard.tsx';
import { AppSecretCard } from '../tabs-b/AppSecretCard.tsx';
import { canRevealSecrets, canSetLimits, canWriteApp } from '../tabs-b/can-write.ts';
import { DeleteAppCard } from '../tabs-b/DeleteAppCard.tsx';
import type { AppTabProps } from './tab-props.ts';

export default function SettingsTab({ app, env, reloadApp, showDeploy }: AppTabProps) {
  const user = useUser();
  const navigate = useNavigate();
  const writer = canWriteApp(user);
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
      {writer ? <DeleteAppCard code={app.code} /> : null}
    </Flex>
  );
}
