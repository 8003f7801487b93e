// Deploying a package from the browser: a .tar.gz/.tar file as it is, or a directory packed here
// the way the CLI packs it (../deploy/). Shows what will be sent and its size, the packing progress,
// then the upload; a deploy to prod is confirmed first. The new deploy opens in the live view.
// Where the environment needs approval (`way` 'request'), the button files a deploy request with
// the package instead (a note and a window first), and the request's page opens.

import { FileZipOutlined, FolderOpenOutlined } from '@ant-design/icons';
import type { App, EnvName } from '@berth/sdk';
import { Alert, Button, Card, Flex, Input, Progress, Typography } from 'antd';
import { useRef, useState } from 'react';
import { useApi } from '../../../api/ApiProvider.tsx';
import { useConfirm } from '../../../components/confirm.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { useFormat } from '../../../i18n/format-hooks.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { EmptyPackageError, packPickedDirectory } from '../deploy/pack-picked-directory.ts';
import { envMessages } from '../env-messages.ts';
import { deploysMessages } from './deploys-messages.ts';
import type { Way } from './env-actions.ts';
import { RequestDeployModal } from './RequestDeployModal.tsx';
import { requestFormMessages } from './request-messages.ts';

const PACKAGE_NAME = /\.(tar\.gz|tgz|tar)$/i;
/** The API's longest deploy description. */
const DESCRIPTION_MAX = 500;

type Picked =
  | { state: 'none' }
  | { state: 'packing'; name: string; count: number; fraction: number }
  | { state: 'ready'; name: string; archive: Blob; fileCount?: number }
  | { state: 'problem'; text: string };

export function DeployUpload({
  app,
  env,
  way = 'direct',
  onStarted,
}: {
  app: App;
  env: EnvName;
  /** How a deploy to this environment goes (env-actions.ts); 'none' shows nothing. */
  way?: Way;
  onStarted(deployId: string): void;
}) {
  const r = useMessages(requestFormMessages);
  const [asking, setAsking] = useState(false);
  const api = useApi();
  const t = useMessages(deploysMessages);
  const e = useMessages(envMessages);
  const format = useFormat();
  const confirm = useConfirm();
  const feedback = useFeedback();
  const fileInput = useRef<HTMLInputElement>(null);
  const dirInput = useRef<HTMLInputElement>(null);
  const [picked, setPicked] = useState<Picked>({ state: 'none' });
  const [description, setDescription] = useState('');
  const [uploading, setUploading] = useState(false);
  const packRun = useRef(0);

  const pickFile = (files: FileList | null) => {
    const file = files?.[0];
    if (!file) return;
    packRun.current += 1;
    if (!PACKAGE_NAME.test(file.name)) setPicked({ state: 'problem', text: t('wrongFile') });
    else setPicked({ state: 'ready', name: file.name, archive: file });
  };

  const pickDir = async (files: FileList | null) => {
    if (!files || files.length === 0) return;
    const list = [...files];
    const run = ++packRun.current;
    const name = (list[0]?.webkitRelativePath ?? '').split('/')[0] || list[0]?.name || '';
    setPicked({ state: 'packing', name, count: list.length, fraction: 0 });
    try {
      const packed = await packPickedDirectory(list, (fraction) => {
        if (packRun.current === run) setPicked({ state: 'packing', name, count: list.length, fraction });
      });
      if (packRun.current !== run) return;
      setPicked({
        state: 'ready',
        name: `${packed.name}.tar.gz`,
        archive: packed.archive,
        fileCount: packed.fileCount,
      });
    } catch (err) {
      if (packRun.current !== run) return;
      const text =
        err instanceof EmptyPackageError
          ? t('nothingToDeploy')
          : `${t('packFailed')}: ${err instanceof Error ? err.message : String(err)}`;
      setPicked({ state: 'problem', text });
    }
  };

  const forget = () => {
    setPicked({ state: 'none' });
    setDescription('');
    if (fileInput.current) fileInput.current.value = '';
    if (dirInput.current) dirInput.current.value = '';
  };

  const submit = async () => {
    if (picked.state !== 'ready') return;
    if (way === 'request') {
      setAsking(true);
      return;
    }
    if (env === 'prod') {
      const ok = await confirm({
        title: t('confirmProdTitle'),
        content: t('confirmProdText', { file: picked.name, app: app.name }),
        okText: t('submit', { env: e('prod') }),
      });
      if (!ok) return;
    }
    setUploading(true);
    try {
      const text = description.trim();
      const result = await api.uploadDeploy(app.code, env, picked.archive, text ? { description: text } : {});
      forget();
      onStarted(result.deploy.id);
    } catch (err) {
      feedback.error(err);
    } finally {
      setUploading(false);
    }
  };

  if (way === 'none') return null;
  return (
    <Card size="small" title={t('uploadTitle', { env: e(env) })} style={{ marginBottom: 16 }}>
      {way === 'request' ? (
        <Typography.Paragraph type="warning" data-testid="deploy-needs-approval">
          {r('needsApproval', { env: e(env) })}
        </Typography.Paragraph>
      ) : null}
      <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>
        {t('uploadHelp')}
      </Typography.Paragraph>
      <input
        ref={fileInput}
        type="file"
        accept=".tar.gz,.tgz,.tar,application/gzip,application/x-tar"
        aria-label={t('fileInput')}
        data-testid="deploy-file-input"
        style={{ display: 'none' }}
        onChange={(ev) => pickFile(ev.target.files)}
      />
      <input
        ref={(el) => {
          dirInput.current = el;
          // React does not know these attributes; set them on the element itself.
          if (el) {
            el.setAttribute('webkitdirectory', '');
            el.setAttribute('directory', '');
          }
        }}
        type="file"
        multiple
        aria-label={t('dirInput')}
        data-testid="deploy-dir-input"
        style={{ display: 'none' }}
        onChange={(ev) => void pickDir(ev.target.files)}
      />
      <Flex gap={8} wrap style={{ marginBottom: 12 }}>
        <Button icon={<FileZipOutlined />} onClick={() => fileInput.current?.click()} disabled={uploading}>
          {t('pickFile')}
        </Button>
        <Button icon={<FolderOpenOutlined />} onClick={() => dirInput.current?.click()} disabled={uploading}>
          {t('pickDir')}
        </Button>
      </Flex>
      {picked.state === 'packing' ? (
        <div style={{ marginBottom: 12 }} data-testid="deploy-packing">
          <Typography.Text>{t('packing', { count: format.number(picked.count) })}</Typography.Text>
          <Progress percent={Math.floor(picked.fraction * 100)} status="active" />
        </div>
      ) : null}
      {picked.state === 'problem' ? (
        <Alert
          type="error"
          showIcon
          title={picked.text}
          style={{ marginBottom: 12 }}
          data-testid="deploy-pick-problem"
        />
      ) : null}
      {picked.state === 'ready' ? (
        <Typography.Paragraph data-testid="deploy-picked">
          {picked.fileCount === undefined
            ? t('fileChosen', { file: picked.name, size: format.bytes(picked.archive.size) })
            : t('packed', {
                file: picked.name,
                count: format.number(picked.fileCount),
                size: format.bytes(picked.archive.size),
              })}
        </Typography.Paragraph>
      ) : null}
      <Input
        value={description}
        onChange={(ev) => setDescription(ev.target.value)}
        maxLength={DESCRIPTION_MAX}
        placeholder={t('descriptionPlaceholder')}
        aria-label={t('description')}
        data-testid="deploy-description"
        style={{ marginBottom: 12 }}
      />
      {uploading && picked.state === 'ready' ? (
        <div style={{ marginBottom: 12 }}>
          <Typography.Text>{t('uploading', { size: format.bytes(picked.archive.size) })}</Typography.Text>
          <Progress percent={100} status="active" showInfo={false} />
        </div>
      ) : null}
      <Button
        type="primary"
        onClick={() => void submit()}
        disabled={picked.state !== 'ready'}
        loading={uploading}
        data-testid="deploy-submit"
      >
        {way === 'request' ? r('requestDeploy', { env: e(env) }) : t('submit', { env: e(env) })}
      </Button>
      <RequestDeployModal
        open={asking}
        title={r('deployTitle', { file: picked.state === 'ready' ? picked.name : '', env: e(env) })}
        intro={r('deployIntro')}
        onClose={() => setAsking(false)}
        onFile={async (fields) => {
          if (picked.state !== 'ready') throw new Error('no package picked');
          const { deploy } = await api.fileRequestPackage(app.code, env, picked.archive, {
            ...fields,
            ...(fields.note === undefined && description.trim() ? { note: description.trim() } : {}),
          });
          forget();
          return deploy;
        }}
      />
    </Card>
  );
}
