// Subscribe an app to a channel, or change what it sends there: checkboxes of events and
// environments (the PUT replaces both).
import type { Channel, Subscription } from '@berth/sdk';
import { Checkbox, Form, Select } from 'antd';
import { useApi } from '../../api/ApiProvider.tsx';
import { FormModal } from '../../components/FormModal.tsx';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { NOTIFY_EVENT_LIST } from './notify-lists.ts';
import { notifyMessages } from './notify-messages.ts';
import { ENVS, type SubscriptionForm, subscriptionBody, subscriptionFormValues } from './notify-rules.ts';
import { subscriptionsMessages } from './subscriptions-messages.ts';

export function SubscriptionModal({
  app,
  open,
  subscription,
  channels,
  onClose,
  onSaved,
}: {
  app: string;
  open: boolean;
  /** The subscription to change; a new one when absent. */
  subscription: Subscription | undefined;
  /** The channels a new subscription may choose from. */
  channels: readonly Channel[];
  onClose(): void;
  onSaved(subscription: Subscription, created: boolean): void;
}) {
  const api = useApi();
  const t = useMessages(subscriptionsMessages);
  const n = useMessages(notifyMessages);
  const [form] = Form.useForm<SubscriptionForm>();

  const onSubmit = async (values: SubscriptionForm) => {
    const channelId = subscription?.channelId ?? values.channelId;
    const result = await api.subscribe(app, channelId, subscriptionBody(values));
    onSaved(result.subscription, subscription === undefined);
  };

  return (
    <FormModal<SubscriptionForm>
      open={open}
      title={
        subscription
          ? t('editTitle', { app, channel: subscription.channelName })
          : t('subscribeTitle', { app })
      }
      onClose={onClose}
      okText={subscription ? t('editSubmit') : t('subscribeSubmit')}
      okTestId="subscription-submit"
      width={560}
      form={form}
      name="subscription"
      formKey={subscription?.channelId ?? 'new'}
      initialValues={subscriptionFormValues(subscription)}
      onSubmit={onSubmit}
    >
      {subscription ? null : (
        <Form.Item
          label={t('channel')}
          name="channelId"
          rules={[{ required: true, message: t('channelRequired') }]}
        >
          <Select
            data-testid="subscription-channel"
            options={channels.map((c) => ({
              value: c.id,
              label: `${c.name} (${n(`kind.${c.kind}`)}${c.enabled ? '' : `, ${t('channelDisabled')}`})`,
            }))}
          />
        </Form.Item>
      )}
      <Form.Item
        label={t('events')}
        name="events"
        rules={[{ required: true, type: 'array', min: 1, message: t('eventsRequired') }]}
      >
        <Checkbox.Group
          style={{ display: 'flex', flexDirection: 'column', gap: 4 }}
          options={NOTIFY_EVENT_LIST.map((e) => ({ value: e, label: n(`event.${e}`) }))}
        />
      </Form.Item>
      <Form.Item
        label={t('envs')}
        name="envs"
        rules={[{ required: true, type: 'array', min: 1, message: t('envsRequired') }]}
      >
        <Checkbox.Group options={ENVS.map((e) => ({ value: e, label: n(`env.${e}`) }))} />
      </Form.Item>
    </FormModal>
  );
}
