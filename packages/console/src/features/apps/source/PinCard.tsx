// The pinned manifest: its text, fields, who pinned it and when, for everyone who sees the app;
// pinning (a textarea and the fields to pin), editing and unpinning for those allowed `source.pin`
// (operators and admins).
import type { SourceSettings } from '@berth/sdk';
import { Alert, Button, Card, Checkbox, Flex, Input, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useApi } from '../../../api/ApiProvider.tsx';
import { useConfirm } from '../../../components/confirm.tsx';
import { useFeedback } from '../../../components/feedback.tsx';
import { MONO_BLOCK } from '../../../components/mono.ts';
import { useFormat } from '../../../i18n/format-hooks.ts';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { CardTitle, Field } from './Field.tsx';
import { type PinDraft, pinBodyOf, pinDraftOf } from './pin-form.ts';
import { PINNABLE_FIELD_LIST } from './source-lists.ts';
import { sourceMessages } from './source-messages.ts';

export function PinCard({
  code,
  pin,
  editable,
  onSaved,
}: {
  code: string;
  pin: SourceSettings['pin'];
  editable: boolean;
  onSaved(next: SourceSettings): void;
}) {
  const api = useApi();
  const t = useMessages(sourceMessages);
  const format = useFormat();
  const confirm = useConfirm();
  const feedback = useFeedback();
  const [draft, setDraft] = useState<PinDraft | undefined>(undefined);
  const [problem, setProblem] = useState(false);
  const [busy, setBusy] = useState(false);

  const save = async () => {
    if (!draft) return;
    const result = pinBodyOf(draft);
    if (!result.ok) {
      setProblem(true);
      return;
    }
    setBusy(true);
    try {
      const { source } = await api.pinManifest(code, result.body);
      setDraft(undefined);
      onSaved(source);
      feedback.success(t('pinned'));
    } catch (err) {
      feedback.error(err);
    } finally {
      setBusy(false);
    }
  };

  const unpin = async () => {
    const ok = await confirm({
      title: t('pinRemoveTitle', { app: code }),
      content: t('pinRemoveText'),
      okText: t('pinRemove'),
      danger: true,
    });
    if (!ok) return;
    setBusy(true);
    try {
      const { source } = await api.unpinManifest(code);
      onSaved(source);
      feedback.success(t('unpinned'));
    } catch (err) {
      feedback.error(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={<CardTitle>{t('pinTitle')}</CardTitle>} data-testid="pin-card">
      <Flex vertical gap={12}>
        <Typography.Paragraph style={{ margin: 0 }}>{t('pinText')}</Typography.Paragraph>
        {editable ? null : (
          <Typography.Text type="secondary" data-testid="pin-read-only">
            {t('pinReadOnly')}
          </Typography.Text>
        )}
        {draft ? (
          <Flex vertical gap={12}>
            <Field id="pin-manifest" label={t('pinManifest')}>
              <Input.TextArea
                id="pin-manifest"
                value={draft.manifest}
                onChange={(ev) => {
                  setProblem(false);
                  setDraft({ ...draft, manifest: ev.target.value });
                }}
                rows={10}
                spellCheck={false}
                maxLength={256 * 1024}
                style={{ fontFamily: 'monospace' }}
                disabled={busy}
                data-testid="pin-manifest"
              />
            </Field>
            <fieldset style={{ border: 0, margin: 0, padding: 0, minWidth: 0 }}>
              <legend style={{ fontSize: 14, fontWeight: 600, margin: 0 }}>{t('pinFields')}</legend>
              <Typography.Text type="secondary" style={{ display: 'block', fontSize: 13 }}>
                {t('pinFieldsHelp')}
              </Typography.Text>
              <Checkbox.Group
                value={draft.fields}
                onChange={(fields) => setDraft({ ...draft, fields })}
                disabled={busy}
                // Field names are berth.yaml's keys: code, the same in every language.
                options={PINNABLE_FIELD_LIST.map((f) => ({ value: f, label: <code>{f}</code> }))}
                data-testid="pin-fields"
              />
            </fieldset>
            {problem ? <Alert type="error" showIcon title={t('manifestRequired')} /> : null}
            <Flex gap={8}>
              <Button type="primary" onClick={() => void save()} loading={busy} data-testid="pin-save">
                {t('pinSave')}
              </Button>
              <Button onClick={() => setDraft(undefined)} disabled={busy}>
                {t('pinCancel')}
              </Button>
            </Flex>
          </Flex>
        ) : pin ? (
          <Flex vertical gap={8} data-testid="pin-current">
            <Typography.Text type="secondary">
              {t('pinBy', { user: pin.pinnedBy, when: format.dateTime(pin.pinnedAt) })}
            </Typography.Text>
            <Space size={4} wrap>
              <Typography.Text>{t('pinFields')}:</Typography.Text>
              {pin.fields.map((f) => (
                <Tag key={f}>
                  <code>{f}</code>
                </Tag>
              ))}
            </Space>
            <pre style={MONO_BLOCK} data-testid="pin-manifest-text">
              {pin.manifest}
            </pre>
          </Flex>
        ) : (
          <Typography.Text type="secondary" data-testid="pin-none">
            {t('pinNone')}
          </Typography.Text>
        )}
        {editable && !draft ? (
          <Flex gap={8}>
            <Button onClick={() => setDraft(pinDraftOf(pin))} disabled={busy} data-testid="pin-edit">
              {pin ? t('pinEdit') : t('pinCreate')}
            </Button>
            {pin ? (
              <Button danger onClick={() => void unpin()} loading={busy} data-testid="pin-remove">
                {t('pinRemove')}
              </Button>
            ) : null}
          </Flex>
        ) : null}
      </Flex>
    </Card>
  );
}
