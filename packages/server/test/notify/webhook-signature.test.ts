// The webhook signature both ends share (@berth/sdk/webhooks): what berthd signs verifies with the
// channel's secret and only with it, a changed body or time does not, and a signature older than
// the tolerance is refused as a replay.

import crypto from 'node:crypto';
import { signWebhookBody, verifyWebhookSignature } from '@berth/sdk/webhooks';
import { describe, expect, it } from 'vitest';

const SECRET = 'a-webhook-secret-of-some-length';
const BODY = '{"id":"dlv_1","type":"deploy.failed","title":"t","text":"x","language":"en"}';
const NOW = 1_764_900_000_000;
const T = Math.floor(NOW / 1000);

describe('webhook signatures', () => {
  it('are HMAC-SHA256 of "<t>.<body>" in hex, with the time', () => {
    const header = signWebhookBody(SECRET, BODY, T);
    const hex = crypto.createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(header).toBe(`t=${T},v1=${hex}`);
    expect(verifyWebhookSignature(SECRET, BODY, header, { now: NOW })).toEqual({ ok: true, timestamp: T });
    expect(verifyWebhookSignature(SECRET, Buffer.from(BODY), header, { now: NOW }).ok).toBe(true);
  });

  it('refuse another secret, another body and another time', () => {
    const header = signWebhookBody(SECRET, BODY, T);
    expect(verifyWebhookSignature('another-secret-entirely', BODY, header, { now: NOW })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyWebhookSignature(SECRET, `${BODY} `, header, { now: NOW }).ok).toBe(false);
    const moved = header.replace(`t=${T}`, `t=${T + 1}`);
    expect(verifyWebhookSignature(SECRET, BODY, moved, { now: NOW })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('refuse a signature outside the replay window (300 s by default)', () => {
    const old = signWebhookBody(SECRET, BODY, T - 301);
    expect(verifyWebhookSignature(SECRET, BODY, old, { now: NOW })).toEqual({ ok: false, reason: 'expired' });
    expect(
      verifyWebhookSignature(SECRET, BODY, signWebhookBody(SECRET, BODY, T - 300), { now: NOW }).ok,
    ).toBe(true);
    expect(verifyWebhookSignature(SECRET, BODY, old, { now: NOW, toleranceSeconds: 600 }).ok).toBe(true);
    const future = signWebhookBody(SECRET, BODY, T + 301);
    expect(verifyWebhookSignature(SECRET, BODY, future, { now: NOW }).ok).toBe(false);
  });

  it('accept any of several v1 values and refuse malformed headers', () => {
    const good = signWebhookBody(SECRET, BODY, T).split(',v1=')[1]!;
    const header = `t=${T},v1=${'0'.repeat(64)},v1=${good}`;
    expect(verifyWebhookSignature(SECRET, BODY, header, { now: NOW }).ok).toBe(true);
    for (const bad of [undefined, null, '', `t=${T}`, `v1=${good}`, `t=soon,v1=${good}`, `t=${T},v1=zz`]) {
      expect(verifyWebhookSignature(SECRET, BODY, bad, { now: NOW })).toEqual({
        ok: false,
        reason: 'malformed',
      });
    }
  });
});
