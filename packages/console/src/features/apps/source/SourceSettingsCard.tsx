// What a push deploys where (deploy branch, its environment, the tags' environment), the default
// repository, and the external repository with its write-only credential. Those without
// `source.write` read the same fields, disabled. The body holds only what changed (source-form.ts).
import type { EnvName, SourceSettings } from '@berth/sdk';
import { Alert, Button, Card, Flex, Input, Select, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../../../api/ApiProvider.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { CardTitle, Field } from './Field.tsx';
import {
  type ExternalDraft,
  emptyExternal,
  type SourceDraft,
  type SourceFormProblem,
  sourceBodyOf,
  sourceDraftOf,
} from './source-form.ts';
import { REPOSITORY_AUTH_LIST, REPOSITORY_KIND_LIST, type RepositoryAuth } from './source-lists.ts';
import { sourceMessages } from './source-messages.ts';

const ENV_CHOICES = ['none', 'stag', 'prod'] as const;
type EnvChoice = (typeof ENV_CHOICES)[number];
const ENV_KEY = { none: 'envNone', stag: 'envStag', prod: 'envProd' } as const;
const AUTH_KEY = { none: 'authNone', token: 'authToken', ssh: 'authSsh' } as const satisfies Record<
  RepositoryAuth,
  string
>;

function toChoice(env: EnvName | null): EnvChoice {
  return env ?? 'none';
}
function fromChoice(choice: EnvChoice): EnvName | null {
  return choice === 'none' ? null : choice;
}

export function SourceSettingsCard({
  code,
  settings,
  writable,
  onSaved,
}: {
  code: string;
  settings: SourceSettings;
  writable: boolean;
  onSaved(next: SourceSettings): void;
}) {
  const api = useApi();
  const t = useMessages(sourceMessages);
  const feedback = useFeedback();
  const [draft, setDraft] = useState<SourceDraft | undefined>(undefined);
  const [problem, setProblem] = useState<SourceFormProblem | undefined>(undefined);
  const [saving, setSaving] = useState(false);
  const current = draft ?? sourceDraftOf(settings);
  const disabled = !writable || saving;

  const change = (next: Partial<SourceDraft>) => {
    setProblem(undefined);
    setDraft({ ...current, ...next });
  };
  const changeExternal = (next: Partial<ExternalDraft>) =>
    change({ external: { ...(current.external ?? emptyExternal()), ...next } });

  const save = async () => {
    const result = sourceBodyOf(current, settings);
    if (!result.ok) {
      setProblem(result.problem);
      return;
    }
    if (!result.changed) {
      setDraft(undefined);
      feedback.success(t('noChange'));
      return;
    }
    setSaving(true);
    try {
      const { source } = await api.updateSource(code, result.body);
      setDraft(undefined);
      onSaved(source);
      feedback.success(t('saved'));
    } catch (err) {
      feedback.error(err);
    } finally {
      setSaving(false);
    }
  };

  const envSelect = (id: string, value: EnvName | null, set: (env: EnvName | null) => void) => (
    <Select<EnvChoice>
      id={id}
      value={toChoice(value)}
      onChange={(choice) => set(fromChoice(choice))}
      disabled={disabled}
      style={{ width: '100%', maxWidth: 320 }}
      data-testid={id}
      options={ENV_CHOICES.map((c) => ({ value: c, label: t(ENV_KEY[c]) }))}
    />
  );

  const external = current.external;
  // A credential of this kind is stored for this URL: leaving the field empty keeps it.
  const credentialSet =
    external !== null &&
    external.auth !== 'none' &&
    settings.external?.url === external.url.trim() &&
    settings.external.auth === external.auth;
  return (
    <Card title={<CardTitle>{t('settingsTitle')}</CardTitle>} data-testid="source-settings-card">
      <Flex vertical gap={16} style={{ maxWidth: 720 }}>
        {writable ? null : <Typography.Text type="secondary">{t('readOnly')}</Typography.Text>}
        <Field id="source-branch" label={t('branch')} help={t('branchHelp')}>
          <Input
            id="source-branch"
            value={current.branch}
            onChange={(ev) => change({ branch: ev.target.value })}
            disabled={disabled}
            maxLength={255}
            style={{ maxWidth: 320 }}
            data-testid="source-branch"
          />
        </Field>
        <Field id="source-branch-env" label={t('branchEnv')}>
          {envSelect('source-branch-env', current.branchEnv, (env) => change({ branchEnv: env }))}
        </Field>
        <Field id="source-tag-env" label={t('tagEnv')}>
          {envSelect('source-tag-env', current.tagEnv, (env) => change({ tagEnv: env }))}
        </Field>
        <Field id="source-repository" label={t('repository')} help={t('repositoryHelp')}>
          <Select
            id="source-repository"
            value={current.repository}
            onChange={(repository) => change({ repository })}
            disabled={disabled}
            style={{ width: '100%', maxWidth: 320 }}
            data-testid="source-repository"
            options={REPOSITORY_KIND_LIST.map((k) => ({ value: k, label: t(k) }))}
          />
        </Field>

        <Typography.Title level={3} style={{ fontSize: 15, margin: 0 }}>
          {t('externalTitle')}
        </Typography.Title>
        {external === null ? (
          <Flex gap={8} align="center" wrap>
            <Typography.Text type="secondary" data-testid="external-none">
              {t('externalNone')}
            </Typography.Text>
            {writable ? (
              <Button
                onClick={() => change({ external: emptyExternal() })}
                disabled={saving}
                data-testid="external-add"
              >
                {t('externalAdd')}
              </Button>
            ) : null}
          </Flex>
        ) : (
          <Flex vertical gap={12}>
            <Field id="external-url" label={t('url')} help={t('urlHelp')}>
              <Input
                id="external-url"
                value={external.url}
                onChange={(ev) => changeExternal({ url: ev.target.value })}
                disabled={disabled}
                maxLength={2048}
                data-testid="external-url"
              />
            </Field>
            <Field id="external-auth" label={t('auth')}>
              <Select
                id="external-auth"
                value={external.auth}
                onChange={(auth) => changeExternal({ auth, credential: '' })}
                disabled={disabled}
                style={{ width: '100%', maxWidth: 320 }}
                data-testid="external-auth"
                options={REPOSITORY_AUTH_LIST.map((a) => ({ value: a, label: t(AUTH_KEY[a]) }))}
              />
            </Field>
            {external.auth === 'token' ? (
              <Field id="external-username" label={t('username')}>
                <Input
                  id="external-username"
                  value={external.username}
                  onChange={(ev) => changeExternal({ username: ev.target.value })}
                  disabled={disabled}
                  maxLength={128}
                  autoComplete="off"
                  style={{ maxWidth: 320 }}
                  data-testid="external-username"
                />
              </Field>
            ) : null}
            {external.auth !== 'none' ? (
              <Field
                id="external-credential"
                label={external.auth === 'token' ? t('token') : t('sshKey')}
                help={credentialSet ? t('credentialSet') : t('credentialNew')}
              >
                {external.auth === 'token' ? (
                  <Input.Password
                    id="external-credential"
                    value={external.credential}
                    onChange={(ev) => changeExternal({ credential: ev.target.value })}
                    disabled={disabled}
                    autoComplete="new-password"
                    maxLength={4096}
                    data-testid="external-credential"
                  />
                ) : (
                  <Input.TextArea
                    id="external-credential"
                    value={external.credential}
                    onChange={(ev) => changeExternal({ credential: ev.target.value })}
                    disabled={disabled}
                    autoComplete="off"
                    spellCheck={false}
                    rows={4}
                    maxLength={16384}
                    style={{ fontFamily: 'monospace' }}
                    data-testid="external-credential"
                  />
                )}
              </Field>
            ) : null}
            {external.auth === 'ssh' ? (
              <Field id="external-known-hosts" label={t('knownHosts')} help={t('knownHostsHelp')}>
                <Input.TextArea
                  id="external-known-hosts"
                  value={external.knownHosts}
                  onChange={(ev) => changeExternal({ knownHosts: ev.target.value })}
                  disabled={disabled}
                  spellCheck={false}
                  rows={3}
                  maxLength={16384}
                  style={{ fontFamily: 'monospace' }}
                  data-testid="external-known-hosts"
                />
              </Field>
            ) : null}
            {writable ? (
              <div>
                <Button
                  danger
                  onClick={() => change({ external: null })}
                  disabled={saving}
                  data-testid="external-remove"
                >
                  {t('externalRemove')}
                </Button>
              </div>
            ) : null}
          </Flex>
        )}
        {problem ? <Alert type="error" showIcon title={t(problem)} data-testid="source-problem" /> : null}
        {writable ? (
          <Flex gap={8}>
            <Button
              type="primary"
              onClick={() => void save()}
              disabled={draft === undefined}
              loading={saving}
              data-testid="source-save"
            >
              {t('save')}
            </Button>
          </Flex>
        ) : null}
      </Flex>
    </Card>
  );
}
