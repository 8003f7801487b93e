import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/crypto/secret-box.ts';
import type { Actor } from '../../src/identity/actor.ts';
import { testDialects } from '../support/databases.ts';
import { type AppsFixture, createAppsFixture, errorCode } from './fixture.ts';

describe.each(testDialects())('app secret on %s', (dialect) => {
  let f: AppsFixture;
  let dev: Actor;
  let secret: string;
  beforeAll(async () => {
    f = await createAppsFixture(dialect);
    dev = f.user('dev', 'developer');
    secret = (await f.apps.create(dev, { code: 'vault', name: 'Vault' })).secret;
    await f.apps.create(dev, { code: 'other', name: 'Other' });
  });
  afterAll(async () => f?.close());

  const sealedOf = async (code: string) =>
    (
      await f.store.db
        .selectFrom('apps')
        .select('secret_sealed')
        .where('code', '=', code)
        .executeTakeFirstOrThrow()
    ).secret_sealed;

  it('is stored sealed, never as plaintext', async () => {
    const sealed = await sealedOf('vault');
    expect(sealed).not.toContain(secret);
    expect(sealed).toMatch(/^v1:/);
    expect(f.secretBox.open(sealed, 'app-secret:vault')).toBe(secret);
  });

  it('reading it is audited', async () => {
    expect(await f.apps.getSecret(dev, 'vault')).toBe(secret);
    const rows = (await f.auditRows()).filter((r) => r.action === 'app.secret.view');
    expect(rows).toEqual([expect.objectContaining({ actor: 'dev', target_id: 'vault' })]);
  });

  it('verifies in constant time: right secret only, right app only', async () => {
    expect(await f.apps.verifySecret('vault', secret)).toBe(true);
    expect(await f.apps.verifySecret('vault', `${secret}x`)).toBe(false);
    expect(await f.apps.verifySecret('vault', secret.slice(1))).toBe(false);
    expect(await f.apps.verifySecret('vault', '')).toBe(false);
    expect(await f.apps.verifySecret('other', secret)).toBe(false);
    expect(await f.apps.verifySecret('nosuchapp', secret)).toBe(false);
    expect(await f.apps.verifySecret('NOT A CODE', secret)).toBe(false);
    expect(await f.apps.verifySecret('vault', 'x'.repeat(100_000))).toBe(false);
  });

  it('a changed key gives SECRET_UNREADABLE, not a wrong answer', async () => {
    const rekeyed = f.makeApps({ secretBox: createSecretBox(crypto.randomBytes(32)) });
    expect(await errorCode(() => rekeyed.getSecret(dev, 'vault'))).toBe('SECRET_UNREADABLE');
    expect(await errorCode(() => rekeyed.verifySecret('vault', secret))).toBe('SECRET_UNREADABLE');
  });

  it('a sealed secret copied into another app row does not open there', async () => {
    const original = await sealedOf('other');
    await f.store.db
      .updateTable('apps')
      .set({ secret_sealed: await sealedOf('vault') })
      .where('code', '=', 'other')
      .execute();
    try {
      expect(await errorCode(() => f.apps.getSecret(dev, 'other'))).toBe('SECRET_UNREADABLE');
      expect(await errorCode(() => f.apps.verifySecret('other', secret))).toBe('SECRET_UNREADABLE');
    } finally {
      await f.store.db
        .updateTable('apps')
        .set({ secret_sealed: original })
        .where('code', '=', 'other')
        .execute();
    }
  });

  it('rotation replaces the secret: the old one stops verifying', async () => {
    const { secret: rotated, deploys } = await f.apps.rotateSecret(dev, 'vault');
    expect(deploys).toEqual([]); // no deploy engine here
    expect(rotated).not.toBe(secret);
    expect(Buffer.from(rotated, 'base64url')).toHaveLength(32);
    expect(await f.apps.getSecret(dev, 'vault')).toBe(rotated);
    expect(await f.apps.verifySecret('vault', rotated)).toBe(true);
    expect(await f.apps.verifySecret('vault', secret)).toBe(false);
    expect((await sealedOf('vault')).includes(rotated)).toBe(false);
    const rows = (await f.auditRows()).filter((r) => r.action === 'app.secret.rotate');
    expect(rows).toEqual([expect.objectContaining({ actor: 'dev', target_id: 'vault' })]);
    expect(rows[0]!.detail).not.toContain(rotated);
    secret = rotated;
  });

  it('a failed audit leaves the old secret in place', async () => {
    f.failNextAudit = new Error('audit down');
    await expect(f.apps.rotateSecret(dev, 'vault')).rejects.toThrow('audit down');
    expect(await f.apps.verifySecret('vault', secret)).toBe(true);
  });
});
