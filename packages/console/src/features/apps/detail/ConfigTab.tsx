// The config vars tab: an environment's variables (secret values masked as the API gives them),
// added or changed in a form, unset, and a secret revealed on request (audited). A change to an
// environment that runs a release starts a config deploy, which the deploys tab then shows.
import type { ConfigChangeResponse, ConfigVar } from '@berth/sdk';
import { Button, Flex, Form, Input, Modal, Space, Switch, Table, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../../../api/ApiProvider.tsx';
import { describeError, errorCode } from '../../../api/errors.ts';
import { useUser } from '../../../app/session.tsx';
import { useConfirm } from '../../../components/confirm.tsx';
import { EmptyState } from '../../../components/EmptyState.tsx';
import { ErrorAlert } from '../../../components/ErrorAlert.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { LoadMore } from '../../../components/LoadMore.tsx';
import { useCursorList } from '../../../components/use-cursor-list.ts';
import { useSubmit } from '../../../components/use-submit.ts';
import { useFormat } from '../../../i18n/format-hooks.ts';
import { useLocale, useMessages } from '../../../i18n/I18nProvider.tsx';
import { envMessages } from '../env-messages.ts';
import { canRevealSecrets, canWriteApp } from '../tabs-b/can-write.ts';
import { configMessages } from '../tabs-b/config-messages.ts';
import { tabsShared } from '../tabs-b/shared-messages.ts';
import type { AppTabProps } from './tab-props.ts';

interface VarForm {
  name: string;
  value: string;
  secret: boolean;
}

export default function ConfigTab({ app, env, showDeploy }: AppTabProps) {
  const api = useApi();
  const user = useUser();
  const t = useMessages(configMessages);
  const envName = useMessages(envMessages)(`${env}Short`);
  const ts = useMessages(tabsShared);
  const format = useFormat();
  const confirm = useConfirm();
  const feedback = useFeedback();
  const writer = canWriteApp(user);
  const revealer = canRevealSecrets(user);
  /** The form's var: undefined while closed, null for a new one. */
  const [editing, setEditing] = useState<ConfigVar | null | undefined>(undefined);
  const [revealed, setRevealed] = useState<Readonly<Record<string, string>>>({});
  const [busy, setBusy] = useState<string | undefined>(undefined);

  const list = useCursorList<ConfigVar>(
    async (cursor) => {
      const page = await api.getConfig(app.code, env, cursor ? { cursor } : {});
      return { items: page.vars, nextCursor: page.nextCursor };
    },
    [api, app.code, env],
  );

  /** After a change: the list again, and the config deploy it started, if any. */
  const changed = (result: ConfigChangeResponse, done: string) => {
    list.reload();
    if (result.deploy) {
      feedback.success(`${done} ${t('deployStarted', { env: envName })}`);
      showDeploy(result.deploy.id);
    } else {
      feedback.success(`${done} ${t('noDeploy', { env: envName })}`);
    }
  };

  const unset = async (v: ConfigVar) => {
    const ok = await confirm({
      title: t('unsetTitle', { name: v.name }),
      content: t('unsetText', { name: v.name, env: envName, app: app.code }),
      okText: t('unset'),
      danger: true,
    });
    if (!ok) return;
    setBusy(`unset-${v.name}`);
    try {
      const result = await api.updateConfig(app.code, env, { unset: [v.name] });
      setRevealed(({ [v.name]: _, ...rest }) => rest);
      changed(result, t('unsetDone', { name: v.name }));
    } catch (err) {
      feedback.error(err);
    } finally {
      setBusy(undefined);
    }
  };

  const reveal = async (v: ConfigVar) => {
    const ok = await confirm({
      title: t('revealTitle', { name: v.name }),
      content: t('revealText', { name: v.name, env: envName }),
      okText: t('revealOk'),
    });
    if (!ok) return;
    setBusy(`reveal-${v.name}`);
    try {
      const { var: shown } = await api.getConfigVar(app.code, env, v.name, { reveal: true });
      setRevealed((old) => ({ ...old, [v.name]: shown.value }));
    } catch (err) {
      feedback.error(err);
    } finally {
      setBusy(undefined);
    }
  };

  const hide = (name: string) => setRevealed(({ [name]: _, ...rest }) => rest);

  if (list.error) return <ErrorAlert error={list.error} onRetry={list.reload} />;

  const addButton = writer ? (
    <Button type="primary" onClick={() => setEditing(null)} data-testid="config-add">
      {t('add')}
    </Button>
  ) : null;

  return (
    <div>
      {writer && list.items.length > 0 ? (
        <Flex justify="flex-end" style={{ marginBottom: 12 }}>
          {addButton}
        </Flex>
      ) : null}
      <Table<ConfigVar>
        data-testid="config-table"
        aria-label={t('varsOf', { env: envName })}
        rowKey="name"
        loading={list.loading}
        dataSource={list.items}
        pagination={false}
        scroll={{ x: 'max-content' }}
        onRow={(v) => ({ 'data-testid': `config-row-${v.name}` }) as React.HTMLAttributes<HTMLElement>}
        locale={{ emptyText: <EmptyState description={t('empty', { env: envName })} action={addButton} /> }}
        columns={[
          {
            key: 'name',
            title: t('name'),
            render: (_, v) => (
              <Space size={6}>
                <Typography.Text code>{v.name}</Typography.Text>
                {v.secret ? <Tag color="gold">{t('secretTag')}</Tag> : null}
              </Space>
            ),
          },
          {
            key: 'value',
            title: t('value'),
            render: (_, v) => {
              const shown = revealed[v.name];
              if (shown !== undefined) {
                return (
                  <Typography.Text
                    code
                    copyable={{ text: shown }}
                    style={{ wordBreak: 'break-all', maxWidth: 420, display: 'inline-block' }}
                    data-testid={`config-value-${v.name}`}
                  >
                    {shown}
                  </Typography.Text>
                );
              }
              return (
                <Typography.Text
                  type={v.secret ? 'secondary' : undefined}
                  style={{ wordBreak: 'break-all', maxWidth: 420, display: 'inline-block' }}
                  data-testid={`config-value-${v.name}`}
                >
                  {v.value}
                </Typography.Text>
              );
            },
          },
          {
            key: 'updated',
            title: t('updated'),
            render: (_, v) => (
              <span title={format.dateTime(v.updatedAt)}>
                {format.relative(v.updatedAt)}{' '}
                <Typography.Text type="secondary">{ts('byWhom', { user: v.updatedBy })}</Typography.Text>
              </span>
            ),
          },
          ...(writer || revealer
            ? [
                {
                  key: 'actions',
                  title: ts('actions'),
                  render: (_: unknown, v: ConfigVar) => (
                    <Space size={4} wrap>
                      {v.secret && revealer ? (
                        revealed[v.name] !== undefined ? (
                          <Button size="small" onClick={() => hide(v.name)}>
                            {t('hide')}
                          </Button>
                        ) : (
                          <Button
                            size="small"
                            onClick={() => reveal(v)}
                            loading={busy === `reveal-${v.name}`}
                            data-testid={`config-reveal-${v.name}`}
                          >
                            {t('reveal')}
                          </Button>
                        )
                      ) : null}
                      {writer ? (
                        <Button
                          size="small"
                          onClick={() => setEditing(v)}
                          data-testid={`config-edit-${v.name}`}
                        >
                          {t('edit')}
                        </Button>
                      ) : null}
                      {writer ? (
                        <Button
                          size="small"
                          danger
                          onClick={() => unset(v)}
                          disabled={busy !== undefined}
                          loading={busy === `unset-${v.name}`}
                          data-testid={`config-unset-${v.name}`}
                        >
                          {t('unset')}
                        </Button>
                      ) : null}
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      <LoadMore list={list} testId="config-more" count="none" />
      {editing !== undefined ? (
        <VarFormModal
          code={app.code}
          env={env}
          editing={editing}
          revealedValue={editing ? revealed[editing.name] : undefined}
          onClose={() => setEditing(undefined)}
          onSaved={(result, name) => {
            setEditing(undefined);
            hide(name);
            changed(result, t('saved', { name }));
          }}
        />
      ) : null}
    </div>
  );
}

function VarFormModal({
  code,
  env,
  editing,
  revealedValue,
  onClose,
  onSaved,
}: {
  code: string;
  env: AppTabProps['env'];
  editing: ConfigVar | null;
  revealedValue: string | undefined;
  onClose(): void;
  onSaved(result: ConfigChangeResponse, name: string): void;
}) {
  const api = useApi();
  const { locale } = useLocale();
  const t = useMessages(configMessages);
  const envName = useMessages(envMessages)(`${env}Short`);
  const [form] = Form.useForm<VarForm>();
  const submission = useSubmit();
  const { error, busy: saving } = submission;
  const hiddenValue = editing?.secret === true && revealedValue === undefined;

  const submit = (values: VarForm) => {
    const name = values.name.trim();
    return submission.run(
      async () => {
        const result = await api.updateConfig(code, env, {
          set: [{ name, value: values.value ?? '', secret: values.secret }],
        });
        onSaved(result, name);
      },
      (err) => {
        // A reserved name is the name field's problem: shown there.
        if (errorCode(err) !== 'CONFIG_KEY_RESERVED') return undefined;
        form.setFields([{ name: 'name', errors: [describeError(err, locale).message] }]);
        return true;
      },
    );
  };

  return (
    <Modal
      open
      title={editing ? t('editTitle', { name: editing.name, env: envName }) : t('addTitle', { env: envName })}
      onCancel={onClose}
      footer={null}
      destroyOnHidden
    >
      {error ? (
        <div style={{ marginBottom: 12 }}>
          <ErrorAlert error={error} />
        </div>
      ) : null}
      <Form<VarForm>
        form={form}
        layout="vertical"
        requiredMark={false}
        disabled={saving}
        onFinish={(values) => void submit(values)}
        initialValues={{
          name: editing?.name ?? '',
          value: editing ? (hiddenValue ? '' : (revealedValue ?? editing.value)) : '',
          secret: editing?.secret ?? false,
        }}
      >
        <Form.Item
          label={t('name')}
          name="name"
          extra={editing ? undefined : t('nameHelp')}
          rules={[{ required: true, whitespace: true, message: t('nameRequired') }]}
        >
          <Input
            autoFocus={!editing}
            disabled={editing !== null}
            autoComplete="off"
            spellCheck={false}
            maxLength={128}
            data-testid="config-name"
          />
        </Form.Item>
        <Form.Item
          label={t('value')}
          name="value"
          extra={hiddenValue ? t('keepSecretValue') : undefined}
          rules={hiddenValue ? [{ required: true, message: t('valueRequired') }] : []}
        >
          <Input.TextArea
            autoFocus={editing !== null}
            autoSize={{ minRows: 2, maxRows: 10 }}
            spellCheck={false}
            data-testid="config-value"
          />
        </Form.Item>
        <Form.Item label={t('secret')} name="secret" valuePropName="checked" extra={t('secretHelp')}>
          <Switch data-testid="config-secret" />
        </Form.Item>
        <Flex justify="flex-end">
          <Button type="primary" htmlType="submit" loading={saving} data-testid="config-submit">
            {t('submit')}
          </Button>
        </Flex>
      </Form>
    </Modal>
  );
}
