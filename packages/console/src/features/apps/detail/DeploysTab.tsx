// The deploys tab: deploy a package, the deploy chosen in the address (`?deploy=ID`) followed live,
// and the environment's deploy history.
import type { Deploy } from '@berth/sdk';
import { Typography } from 'antd';
import { useCallback, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useApi } from '../../../api/ApiProvider.tsx';
import { useAsync } from '../../../components/use-async.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { envMessages } from '../env-messages.ts';
import { SourceDeployCard } from '../source/SourceDeployCard.tsx';
import { DeployHistory } from './DeployHistory.tsx';
import { DeployUpload } from './DeployUpload.tsx';
import { DeployView } from './DeployView.tsx';
import { deploysMessages } from './deploys-messages.ts';
import { type Way, wayTo } from './env-actions.ts';
import type { AppTabProps } from './tab-props.ts';
import { useAppPermissions } from './use-app-permissions.ts';

export default function DeploysTab({ app, env, showDeploy }: AppTabProps) {
  const t = useMessages(deploysMessages);
  const e = useMessages(envMessages);
  const [params, setParams] = useSearchParams();
  const selected = params.get('deploy') ?? undefined;
  const [changes, setChanges] = useState('');
  const [selectedEnv, setSelectedEnv] = useState<string | undefined>(undefined);
  const perms = useAppPermissions(app.code);
  // Without the permissions (their call failed) the upload is offered as before: the API decides.
  const way: Way = perms.data ? wayTo(perms.data, env, 'deploy') : perms.error ? 'direct' : 'none';
  const docker = useDockerRuntime();

  const onChange = useCallback((deploy: Deploy) => {
    setChanges(`${deploy.id}:${deploy.status}`);
    setSelectedEnv(deploy.env);
  }, []);

  return (
    <>
      <DeployUpload app={app} env={env} way={way} onStarted={showDeploy} />
      <SourceDeployCard app={app} env={env} kind="git" way={way} onStarted={showDeploy} />
      {docker ? <SourceDeployCard app={app} env={env} kind="image" way={way} onStarted={showDeploy} /> : null}
      {selected ? (
        <>
          {selectedEnv && selectedEnv !== env ? (
            <Typography.Paragraph type="warning">
              {t('otherEnv', { env: e(selectedEnv === 'prod' ? 'prod' : 'stag') })}
            </Typography.Paragraph>
          ) : null}
          <DeployView
            key={selected}
            deployId={selected}
            appName={app.name}
            onChange={onChange}
            onClose={() => {
              params.delete('deploy');
              setParams(params, { replace: true });
            }}
          />
        </>
      ) : null}
      <DeployHistory
        app={app}
        env={env}
        selected={selected}
        refreshKey={`${selected ?? ''}|${changes}`}
        onOpen={showDeploy}
      />
    </>
  );
}

/**
 * Whether apps run on Docker (or Docker Swarm), where image deploys exist. The platform status says so, but only to
 * admins, operators and auditors: for anyone else (403) the image form stays hidden, and the API
 * would refuse an image deploy on the process runtime anyway (IMAGE_DEPLOY_UNSUPPORTED).
 */
function useDockerRuntime(): boolean {
  const api = useApi();
  const status = useAsync(() => api.platformStatus(), [api]);
  const driver = status.data?.runtime.driver;
  return driver === 'docker' || driver === 'swarm';
}
