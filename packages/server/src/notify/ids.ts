// Ids of channels and deliveries: a prefix, then (deliveries) the time so that ids of one millisecond
// still differ by their random part.
import crypto from 'node:crypto';

export function newChannelId(): string {
  return `chn_${crypto.randomBytes(10).toString('hex')}`;
}

export function newDeliveryId(now: number): string {
  return `dlv_${now.toString(36).padStart(9, '0')}${crypto.randomBytes(8).toString('hex')}`;
}
