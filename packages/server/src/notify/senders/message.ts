// What every sender is given: the delivery, the channel's settings and the words to send.
import type { NotifyEvent, NotifyLanguage } from '@berth/sdk';
import type { OpenConfig } from '../channel-config.ts';
import type { NoticeType, Rendered } from '../templates.ts';

export interface OutgoingMessage {
  deliveryId: string;
  type: NoticeType;
  /** Absent for a channel test. */
  event?: NotifyEvent;
  language: NotifyLanguage;
  rendered: Rendered;
}

export interface SendOptions {
  timeoutMs: number;
  signal: AbortSignal;
  /** Epoch ms (the signatures' time). */
  now: number;
}

export type Sender<C extends OpenConfig> = (
  config: C,
  message: OutgoingMessage,
  options: SendOptions,
) => Promise<void>;
