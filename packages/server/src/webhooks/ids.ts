// Ids of webhook deliveries: a prefix, the time (so ids sort like the deliveries), a random part.
import crypto from 'node:crypto';

export function newHookDeliveryId(now: number): string {
  return `whd_${now.toString(36).padStart(9, '0')}${crypto.randomBytes(8).toString('hex')}`;
}
