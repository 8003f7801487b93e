// Scaling an environment: one count per process type of the current release, starting from the
// instances running now. A refusal (INSTANCE_LIMIT_EXCEEDED: the app's ceiling) is shown in the form.
import type { App, EnvName, Release } from '@berth/sdk';
import { Form, InputNumber, Modal, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../../../api/ApiProvider.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { common } from '../../../components/messages.ts';
import { useSubmit } from '../../../components/use-submit.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { envMessages } from '../env-messages.ts';
import { overviewMessages } from './overview-messages.ts';

/** The most instances of one process type one request may ask for (SCALE_COUNT_MAX). */
const SCALE_MAX = 100;

export function ScaleModal({
  app,
  env,
  release,
  running,
  onClose,
  onStarted,
}: {
  app: App;
  env: EnvName;
  release: Release;
  /** Instances per process type now (the release's declared counts where none is known). */
  running: Readonly<Record<string, number>>;
  onClose(): void;
  onStarted(deployId: string): void;
}) {
  const api = useApi();
  const t = useMessages(overviewMessages);
  const c = useMessages(common);
  const e = useMessages(envMessages);
  const types = Object.keys(release.processes).sort();
  const initial = Object.fromEntries(types.map((p) => [p, running[p] ?? release.processes[p] ?? 0]));
  const [counts, setCounts] = useState<Record<string, number>>(initial);
  const submission = useSubmit();
  const changed = Object.fromEntries(
    types.filter((p) => counts[p] !== initial[p]).map((p) => [p, counts[p] ?? 0]),
  );
  const nothing = Object.keys(changed).length === 0;

  const submit = () =>
    submission.run(async () => {
      const result = await api.scale(app.code, env, { processes: changed });
      onStarted(result.deploy.id);
    });

  return (
    <Modal
      open
      title={t('scaleTitle', { app: app.name, env: e(env) })}
      okText={nothing ? t('scaleNothing') : t('scaleConfirm')}
      cancelText={c('cancel')}
      onOk={() => void submit()}
      onCancel={onClose}
      confirmLoading={submission.busy}
      okButtonProps={{ disabled: nothing, ...({ 'data-testid': 'scale-submit' } as object) }}
    >
      <Typography.Paragraph>{t('scaleText', { version: release.version })}</Typography.Paragraph>
      <Form layout="horizontal" labelCol={{ flex: '140px' }}>
        {types.map((process) => (
          <Form.Item key={process} label={process} htmlFor={`scale-${process}`}>
            <InputNumber
              id={`scale-${process}`}
              min={0}
              max={SCALE_MAX}
              precision={0}
              value={counts[process]}
              onChange={(value) => setCounts({ ...counts, [process]: value ?? 0 })}
              data-testid={`scale-${process}`}
            />
          </Form.Item>
        ))}
      </Form>
      {submission.error ? <ErrorAlert error={submission.error} /> : null}
    </Modal>
  );
}
