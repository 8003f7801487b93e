// Deploying without an upload, in the deploys tab: a branch, tag or commit of the app's hosted or
// external repository (`kind` git), or a prebuilt image on the Docker runtime (`kind` image). A
// deploy to prod is confirmed first; where the environment needs approval, the button files a
// deploy request for the same ref or image instead. The new deploy opens in the live view.
import type { App, Deploy, EnvName, RepositoryKind } from '@berth/sdk';
import { Button, Card, Flex, Input, Select, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../../../api/ApiProvider.tsx';
import { useConfirm } from '../../../components/confirm.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import type { Way } from '../detail/env-actions.ts';
import { RequestDeployModal } from '../detail/RequestDeployModal.tsx';
import { requestFormMessages } from '../detail/request-messages.ts';
import { envMessages } from '../env-messages.ts';
import { Field } from './Field.tsx';
import { REPOSITORY_KIND_LIST } from './source-lists.ts';
import { sourceDeployMessages } from './source-messages.ts';

type RepositoryChoice = RepositoryKind | 'default';

export function SourceDeployCard({
  app,
  env,
  kind,
  way,
  onStarted,
}: {
  app: App;
  env: EnvName;
  kind: 'git' | 'image';
  /** How a deploy to this environment goes (env-actions.ts); 'none' shows nothing. */
  way: Way;
  onStarted(deployId: string): void;
}) {
  const api = useApi();
  const t = useMessages(sourceDeployMessages);
  const r = useMessages(requestFormMessages);
  const e = useMessages(envMessages);
  const confirm = useConfirm();
  const feedback = useFeedback();
  const [value, setValue] = useState('');
  const [repository, setRepository] = useState<RepositoryChoice>('default');
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false);
  const named = value.trim();
  const id = `deploy-${kind}`;
  // Left to the app's default, the API picks the repository (its settings say which).
  const repo = repository === 'default' ? {} : { repository };

  const start = (): Promise<{ deploy: Deploy }> =>
    kind === 'git'
      ? api.deployGit(app.code, env, { ref: named, ...repo })
      : api.deployImage(app.code, env, { image: named });

  const submit = async () => {
    if (!named) return;
    if (way === 'request') {
      setAsking(true);
      return;
    }
    if (env === 'prod') {
      const ok = await confirm({
        title: t('confirmProdTitle'),
        content:
          kind === 'git'
            ? t('confirmProdRef', { ref: named, app: app.name })
            : t('confirmProdImage', { image: named, app: app.name }),
        okText: kind === 'git' ? t('deployRef') : t('deployImage'),
      });
      if (!ok) return;
    }
    setBusy(true);
    try {
      const { deploy } = await start();
      setValue('');
      onStarted(deploy.id);
    } catch (err) {
      feedback.error(err);
    } finally {
      setBusy(false);
    }
  };

  if (way === 'none') return null;
  return (
    <Card
      size="small"
      title={kind === 'git' ? t('gitTitle', { env: e(env) }) : t('imageTitle', { env: e(env) })}
      style={{ marginBottom: 16 }}
      data-testid={`${id}-card`}
    >
      <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
        {kind === 'git' ? t('gitHelp') : t('imageHelp')}
      </Typography.Paragraph>
      <Flex gap={12} wrap align="end">
        <div style={{ flex: '1 1 260px', maxWidth: 420 }}>
          <Field id={`${id}-value`} label={kind === 'git' ? t('ref') : t('image')}>
            <Input
              id={`${id}-value`}
              value={value}
              onChange={(ev) => setValue(ev.target.value)}
              onPressEnter={() => void submit()}
              placeholder={kind === 'git' ? t('refPlaceholder') : t('imagePlaceholder')}
              maxLength={kind === 'git' ? 255 : 512}
              disabled={busy}
              data-testid={`${id}-value`}
            />
          </Field>
        </div>
        {kind === 'git' ? (
          <div style={{ flex: '0 1 220px' }}>
            <Field id={`${id}-repository`} label={t('repository')}>
              <Select<RepositoryChoice>
                id={`${id}-repository`}
                value={repository}
                onChange={setRepository}
                disabled={busy}
                style={{ width: '100%' }}
                data-testid={`${id}-repository`}
                options={[
                  { value: 'default', label: t('repositoryDefault') },
                  ...REPOSITORY_KIND_LIST.map((k) => ({ value: k, label: t(k) })),
                ]}
              />
            </Field>
          </div>
        ) : null}
        <Button
          type="primary"
          onClick={() => void submit()}
          disabled={!named}
          loading={busy}
          data-testid={`${id}-submit`}
        >
          {way === 'request'
            ? r('requestDeploy', { env: e(env) })
            : kind === 'git'
              ? t('deployRef')
              : t('deployImage')}
        </Button>
      </Flex>
      <RequestDeployModal
        open={asking}
        title={
          kind === 'git'
            ? t('requestRefTitle', { ref: named, env: e(env) })
            : t('requestImageTitle', { image: named, env: e(env) })
        }
        intro={kind === 'git' ? t('requestRefIntro') : t('requestImageIntro')}
        onClose={() => setAsking(false)}
        onFile={async (fields) => {
          const what = kind === 'git' ? { ref: named, ...repo } : { image: named };
          const { deploy } = await api.fileRequest(app.code, env, { kind: 'build', ...what, ...fields });
          setValue('');
          return deploy;
        }}
      />
    </Card>
  );
}
