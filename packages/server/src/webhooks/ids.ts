// Ids of webhook deliveries: a prefix, the time, a counter and a random part, so that deliveries one
// receiver took within one millisecond still list in the order they arrived (the log's tie-break).
import crypto from 'node:crypto';

/** A maker of delivery ids (one per receiver: it holds the counter). */
export function hookDeliveryIds(): (now: number) => string {
  let seq = 0;
  return (now) => {
    seq = (seq + 1) % 36 ** 4;
    const time = now.toString(36).padStart(9, '0');
    return `whd_${time}${seq.toString(36).padStart(4, '0')}${crypto.randomBytes(6).toString('hex')}`;
  };
}
