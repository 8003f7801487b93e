// Sends one message through the sender of the channel's kind.
import type { OpenConfig } from '../channel-config.ts';
import { sendEmail } from './email.ts';
import type { OutgoingMessage, SendOptions } from './message.ts';
import { sendRobot } from './robot.ts';
import { sendWebhook } from './webhook.ts';

export type { OutgoingMessage, SendOptions } from './message.ts';
export { SendError } from './send-error.ts';

export function send(config: OpenConfig, message: OutgoingMessage, options: SendOptions): Promise<void> {
  switch (config.kind) {
    case 'webhook':
      return sendWebhook(config, message, options);
    case 'email':
      return sendEmail(config, message, options);
    case 'robot':
      return sendRobot(config, message, options);
  }
}
