// Small rules shared by the notification pages: what the visitor may change, which channels an app
// can still subscribe to, the subscription body from its checkboxes, and a delivery status's tone.
import type {
  AppPermissionsResponse,
  Channel,
  DeliveryStatus,
  EnvName,
  NotifyEventType,
  Subscription,
  SubscriptionBody,
} from '@berth/sdk';
import type { Tone } from '../../components/ToneTag.tsx';
import { NOTIFY_EVENT_LIST } from './notify-lists.ts';

export const ENVS: readonly EnvName[] = ['stag', 'prod'];

/** Whether the visitor may change the app's subscriptions (the API decides anyway). */
export function canWriteNotify(perms: AppPermissionsResponse | undefined): boolean {
  return perms?.actions.includes('notify.write') ?? false;
}

/** The channels the app is not subscribed to yet (a subscription to one is edited instead). */
export function channelsToSubscribe(channels: readonly Channel[], subs: readonly Subscription[]): Channel[] {
  const taken = new Set(subs.map((s) => s.channelId));
  return channels.filter((c) => !taken.has(c.id));
}

export interface SubscriptionForm {
  channelId: string;
  events: NotifyEventType[];
  envs: EnvName[];
}

export function subscriptionFormValues(sub?: Subscription): SubscriptionForm {
  return sub
    ? { channelId: sub.channelId, events: [...sub.events], envs: [...sub.envs] }
    : { channelId: '', events: ['deploy.failed'], envs: [...ENVS] };
}

/** The PUT body: events and envs in the catalogue's order, each once. */
export function subscriptionBody(values: SubscriptionForm): SubscriptionBody {
  return {
    events: NOTIFY_EVENT_LIST.filter((e) => values.events.includes(e)),
    envs: ENVS.filter((e) => values.envs.includes(e)),
  };
}

export const DELIVERY_TONES: Record<DeliveryStatus, Tone> = {
  pending: 'blue',
  retrying: 'amber',
  sent: 'green',
  failed: 'red',
};
