// The bound on password checks running at once (hash-gate.ts): a few run, a few wait, the rest are
// refused at once with LOGIN_BUSY, and no client address takes more than a quarter of the places.
import { describe, expect, it } from 'vitest';
import { isBerthError } from '../../src/errors.ts';
import { createHashGate } from '../../src/identity/hash-gate.ts';

/** A check that finishes when the test says so. */
function heldCheck() {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let started = false;
  return {
    run: async () => {
      started = true;
      await done;
      return 'checked';
    },
    finish,
    started: () => started,
  };
}

const busy = (err: unknown) => isBerthError(err, 'LOGIN_BUSY');

describe('hash gate', () => {
  it('runs `concurrency` checks, queues `queue` more and refuses the rest at once', async () => {
    const gate = createHashGate({ concurrency: 2, queue: 2 });
    const checks = Array.from({ length: 4 }, heldCheck);
    const runs = checks.map((c, i) => gate.run(`10.0.0.${i}`, c.run));
    await Promise.resolve();
    expect(checks.map((c) => c.started())).toEqual([true, true, false, false]);
    const refused = await gate.run('10.0.0.9', async () => 'never').catch((e: unknown) => e);
    expect(busy(refused)).toBe(true);
    expect((refused as { details: unknown }).details).toEqual({ retryAfterSeconds: 1 });

    checks[0]!.finish();
    await runs[0];
    await new Promise((resolve) => setImmediate(resolve));
    expect(checks.map((c) => c.started())).toEqual([true, true, true, false]);
    for (const c of checks) c.finish();
    expect(await Promise.all(runs)).toEqual(['checked', 'checked', 'checked', 'checked']);
    // all places free again
    expect(await gate.run('10.0.0.9', async () => 'again')).toBe('again');
  });

  it('lets one address hold at most a quarter of the places', async () => {
    const gate = createHashGate({ concurrency: 2, queue: 14 });
    const checks = Array.from({ length: 5 }, heldCheck);
    const runs = checks.slice(0, 4).map((c) => gate.run('10.0.0.1', c.run));
    expect(busy(await gate.run('10.0.0.1', checks[4]!.run).catch((e: unknown) => e))).toBe(true);
    // another address still gets in line
    const other = gate.run('10.0.0.2', async () => 'other');
    for (const c of checks) c.finish();
    await Promise.all(runs);
    expect(await other).toBe('other');
  });

  it('frees the place of a check that throws', async () => {
    const gate = createHashGate({ concurrency: 1, queue: 0 });
    await expect(gate.run('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run('a', async () => 'ok')).toBe('ok');
  });
});
