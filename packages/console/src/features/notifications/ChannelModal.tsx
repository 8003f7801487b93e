// Add or edit a notification channel: the fields follow the kind. URLs and secrets are write-only:
// on an edit they start empty with a note that one is set, and are sent only when typed anew.
import type { Channel, ChannelKind } from '@berth/sdk';
import { Checkbox, Form, Input, InputNumber, Select, Switch } from 'antd';
import { useApi } from '../../api/ApiProvider.tsx';
import { FormModal } from '../../components/FormModal.tsx';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import {
  type ChannelForm,
  channelFormValues,
  createChannelBody,
  parseAddresses,
  updateChannelBody,
} from './channel-form.ts';
import { channelsMessages } from './channels-messages.ts';
import {
  CHANNEL_KIND_LIST,
  NOTIFY_LANGUAGE_LIST,
  ROBOT_FLAVOUR_LIST,
  SMTP_SECURITY_LIST,
} from './notify-lists.ts';
import { notifyMessages } from './notify-messages.ts';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/;
const URL_RE = /^https?:\/\//;
const ADDRESS_RE = /^[^\s@<>]+@[^\s@<>]+$/;

export function ChannelModal({
  open,
  channel,
  onClose,
  onSaved,
}: {
  open: boolean;
  /** The channel to edit; a new one when absent. */
  channel: Channel | undefined;
  onClose(): void;
  onSaved(channel: Channel, created: boolean): void;
}) {
  const api = useApi();
  const t = useMessages(channelsMessages);
  const n = useMessages(notifyMessages);
  const [form] = Form.useForm<ChannelForm>();
  const kind: ChannelKind = Form.useWatch('kind', form) ?? channel?.kind ?? 'webhook';
  const flavour = Form.useWatch('flavour', form);
  const security = Form.useWatch('security', form);
  const config = channel?.config;
  const editing = channel !== undefined;
  const urlSet = editing && (config?.kind === 'webhook' || config?.kind === 'robot');
  const secretSet = (config?.kind === 'webhook' || config?.kind === 'robot') && config.secretSet;

  const onSubmit = async (values: ChannelForm) => {
    if (!channel) {
      const result = await api.createChannel(createChannelBody(values));
      onSaved(result.channel, true);
      return;
    }
    const body = updateChannelBody(channel, values);
    if (!body) {
      onClose();
      return;
    }
    const result = await api.updateChannel(channel.id, body);
    onSaved(result.channel, false);
  };

  const urlItem = (
    <Form.Item
      label={t('url')}
      name="url"
      extra={urlSet && config && 'url' in config ? t('urlKeep', { masked: config.url }) : t('urlHelp')}
      rules={[
        ...(editing ? [] : [{ required: true, message: t('urlRequired') }]),
        { pattern: URL_RE, message: t('urlInvalid') },
      ]}
    >
      <Input.Password autoComplete="off" maxLength={2048} data-testid="channel-url" />
    </Form.Item>
  );

  return (
    <FormModal<ChannelForm>
      open={open}
      title={channel ? t('editTitle', { name: channel.name }) : t('addTitle')}
      onClose={onClose}
      okText={channel ? t('editSubmit') : t('addSubmit')}
      okTestId="channel-submit"
      width={640}
      form={form}
      name="channel"
      formKey={channel?.id ?? 'new'}
      initialValues={channelFormValues(channel)}
      onSubmit={onSubmit}
    >
      <Form.Item
        label={t('name')}
        name="name"
        rules={[
          { required: true, message: t('nameRequired') },
          { pattern: NAME_RE, message: t('nameInvalid') },
          { max: 64 },
        ]}
      >
        <Input maxLength={64} autoComplete="off" data-testid="channel-name" />
      </Form.Item>
      <Form.Item label={t('kind')} name="kind" {...(editing ? { extra: t('kindFixed') } : {})}>
        <Select
          disabled={editing}
          data-testid="channel-kind"
          options={CHANNEL_KIND_LIST.map((k) => ({ value: k, label: n(`kind.${k}`) }))}
        />
      </Form.Item>
      <Form.Item label={t('language')} name="language">
        <Select options={NOTIFY_LANGUAGE_LIST.map((l) => ({ value: l, label: n(`language.${l}`) }))} />
      </Form.Item>
      <Form.Item label={t('enabled')} name="enabled" valuePropName="checked">
        <Switch />
      </Form.Item>

      {kind === 'webhook' ? (
        <>
          {urlItem}
          <Form.Item
            label={t('secret')}
            name="secret"
            extra={secretSet ? t('secretKeep') : t('webhookSecretHelp')}
            rules={[
              ...(editing ? [] : [{ required: true, message: t('secretRequired') }]),
              { min: 16, message: t('secretShort') },
            ]}
          >
            <Input.Password autoComplete="new-password" maxLength={512} data-testid="channel-secret" />
          </Form.Item>
        </>
      ) : null}

      {kind === 'robot' ? (
        <>
          <Form.Item label={t('flavour')} name="flavour" rules={[{ required: true }]}>
            <Select
              data-testid="channel-flavour"
              options={ROBOT_FLAVOUR_LIST.map((f) => ({ value: f, label: n(`flavour.${f}`) }))}
            />
          </Form.Item>
          {urlItem}
          {flavour === 'wecom' ? (
            <Form.Item label={t('secret')}>{t('wecomNoSecret')}</Form.Item>
          ) : (
            <>
              <Form.Item
                label={t('secret')}
                name="secret"
                extra={secretSet ? t('secretKeep') : editing ? t('secretNotSet') : t('robotSecretHelp')}
              >
                <Input.Password autoComplete="new-password" maxLength={512} data-testid="channel-secret" />
              </Form.Item>
              {secretSet ? (
                <Form.Item name="clearSecret" valuePropName="checked">
                  <Checkbox>{t('removeSecret')}</Checkbox>
                </Form.Item>
              ) : null}
            </>
          )}
        </>
      ) : null}

      {kind === 'email' ? (
        <>
          <Form.Item
            label={t('host')}
            name="host"
            rules={[{ required: true, whitespace: true, message: t('hostRequired') }]}
          >
            <Input maxLength={253} autoComplete="off" data-testid="channel-host" />
          </Form.Item>
          <Form.Item label={t('port')} name="port" rules={[{ required: true }]}>
            <InputNumber min={1} max={65535} precision={0} data-testid="channel-port" />
          </Form.Item>
          <Form.Item label={t('security')} name="security">
            <Select options={SMTP_SECURITY_LIST.map((s) => ({ value: s, label: n(`security.${s}`) }))} />
          </Form.Item>
          <Form.Item
            label={t('ca')}
            name="ca"
            extra={config?.kind === 'email' && config.caSet ? t('caKeep') : t('caHelp')}
          >
            <Input.TextArea rows={3} maxLength={65536} spellCheck={false} />
          </Form.Item>
          {config?.kind === 'email' && config.caSet ? (
            <Form.Item name="clearCa" valuePropName="checked">
              <Checkbox>{t('removeCa')}</Checkbox>
            </Form.Item>
          ) : null}
          <Form.Item label={t('username')} name="username" extra={t('usernameHelp')}>
            <Input maxLength={256} autoComplete="off" data-testid="channel-username" />
          </Form.Item>
          <Form.Item
            label={t('password')}
            name="password"
            {...(config?.kind === 'email' && config.passwordSet ? { extra: t('passwordKeep') } : {})}
            rules={[
              {
                validator: async (_, value?: string) => {
                  if (value && security === 'none') throw new Error(t('passwordNoTls'));
                },
              },
            ]}
          >
            <Input.Password autoComplete="new-password" maxLength={512} data-testid="channel-password" />
          </Form.Item>
          {config?.kind === 'email' && config.passwordSet ? (
            <Form.Item name="clearPassword" valuePropName="checked">
              <Checkbox>{t('removePassword')}</Checkbox>
            </Form.Item>
          ) : null}
          <Form.Item
            label={t('from')}
            name="from"
            extra={t('fromHelp')}
            rules={[{ required: true, whitespace: true, message: t('fromRequired') }]}
          >
            <Input maxLength={320} data-testid="channel-from" />
          </Form.Item>
          <Form.Item
            label={t('to')}
            name="to"
            extra={t('toHelp')}
            rules={[
              {
                validator: async (_, value?: string) => {
                  const addresses = parseAddresses(value);
                  if (addresses.length === 0) throw new Error(t('toRequired'));
                  if (addresses.length > 50) throw new Error(t('toTooMany'));
                  const bad = addresses.find((a) => !ADDRESS_RE.test(a));
                  if (bad) throw new Error(t('toInvalid', { address: bad }));
                },
              },
            ]}
          >
            <Input.TextArea rows={2} data-testid="channel-to" />
          </Form.Item>
        </>
      ) : null}
    </FormModal>
  );
}
