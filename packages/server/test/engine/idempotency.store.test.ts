// Idempotency-Key on deploy, promote, rollback and scale, on every store: a retried request answers
// the first one's deploy and starts nothing new (also when the duplicates race), the same key with
// another request is refused, keys are per user, and a key is forgotten after 24 hours.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_KEY_TTL_MS, purgeIdempotencyKeys } from '../../src/engine/idempotency-keys.ts';
import { testDialects } from '../support/databases.ts';
import { type EngineFixture, json, startEngineFixture, tinyApp } from './support.ts';

const DEV_PASSWORD = 'idempotent-dev-password-1';

describe.each(testDialects())('Idempotency-Key on %s', (dialect) => {
  let f: EngineFixture;
  let devCookie = '';
  const code = 'idem';

  /** Uploads a package with a key; answers the status and body. */
  async function upload(pkg: Buffer, key: string, options: { cookie?: string; description?: string } = {}) {
    const q = options.description ? `?description=${encodeURIComponent(options.description)}` : '';
    const res = await fetch(`${f.t.url}/api/v1/apps/${code}/envs/stag/deploys${q}`, {
      method: 'POST',
      headers: {
        cookie: `${f.t.cookieName}=${options.cookie ?? f.cookie}`,
        'content-type': 'application/gzip',
        'idempotency-key': key,
      },
      body: pkg,
    });
    return { status: res.status, body: await json(res) };
  }
  async function send(method: string, path: string, key: string, body: unknown) {
    const res = await f.t.api(method, path, { cookie: f.cookie, body, headers: { 'idempotency-key': key } });
    return { status: res.status, body: res.body };
  }
  async function deployIds(env = 'stag'): Promise<string[]> {
    const res = await f.api('GET', `/api/v1/apps/${code}/envs/${env}/deploys?limit=500`);
    return res.body.deploys.map((d: { id: string }) => d.id);
  }

  beforeAll(async () => {
    f = await startEngineFixture(dialect);
    await f.createApp(code);
    const made = await f.api('POST', '/api/v1/users', {
      username: 'idemdev',
      password: DEV_PASSWORD,
      role: 'developer',
    });
    expect(made.status).toBe(201);
    expect((await f.api('POST', `/api/v1/apps/${code}/members`, { username: 'idemdev' })).status).toBe(204);
    devCookie = await f.t.login('idemdev', DEV_PASSWORD);
  }, 60_000);
  afterAll(async () => f?.stop(), 60_000);

  it('a retried upload answers the first deploy; the key with another request is refused', async () => {
    const pkg = await tinyApp({ text: 'one' });
    const first = await upload(pkg, 'upload-1');
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const again = await upload(pkg, 'upload-1');
    expect([again.status, again.body.deploy.id]).toEqual([202, first.body.deploy.id]);
    expect(await deployIds()).toEqual([first.body.deploy.id]);

    const otherPackage = await upload(await tinyApp({ text: 'other' }), 'upload-1');
    expect([otherPackage.status, otherPackage.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    const otherDescription = await upload(pkg, 'upload-1', { description: 'changed' });
    expect([otherDescription.status, otherDescription.body.error.code]).toEqual([
      422,
      'IDEMPOTENCY_KEY_REUSED',
    ]);
    expect(await deployIds()).toEqual([first.body.deploy.id]);
    expect((await f.waitDeploy(first.body.deploy.id)).status).toBe('succeeded');
  }, 180_000);

  it('concurrent duplicates start one deploy; keys are per user', async () => {
    const before = await deployIds();
    const pkg = await tinyApp({ text: 'two' });
    const answers = await Promise.all([1, 2, 3, 4].map(() => upload(pkg, 'upload-2')));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    const ids = new Set(answers.map((a) => a.body.deploy.id));
    expect(ids.size).toBe(1);
    expect(await deployIds()).toHaveLength(before.length + 1);

    // Another user's request with the same key is their own.
    const theirs = await upload(pkg, 'upload-2', { cookie: devCookie });
    expect(theirs.status).toBe(202);
    expect(ids.has(theirs.body.deploy.id)).toBe(false);
    expect(await deployIds()).toHaveLength(before.length + 2);
    for (const id of [...ids, theirs.body.deploy.id])
      expect((await f.waitDeploy(id)).status).toBe('succeeded');
  }, 240_000);

  it('scale, rollback and promote answer the first deploy to a retry', async () => {
    const formation = `/api/v1/apps/${code}/envs/stag/formation`;
    const scaled = await send('PUT', formation, 'scale-1', { processes: { web: 2 } });
    expect(scaled.status, JSON.stringify(scaled.body)).toBe(202);
    expect((await send('PUT', formation, 'scale-1', { processes: { web: 2 } })).body.deploy.id).toBe(
      scaled.body.deploy.id,
    );
    const otherBody = await send('PUT', formation, 'scale-1', { processes: { web: 1 } });
    expect([otherBody.status, otherBody.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect((await f.waitDeploy(scaled.body.deploy.id)).status).toBe('succeeded');

    const rollback = `/api/v1/apps/${code}/envs/stag/rollback`;
    const rolled = await send('POST', rollback, 'rollback-1', { version: 1 });
    expect(rolled.status, JSON.stringify(rolled.body)).toBe(202);
    expect((await send('POST', rollback, 'rollback-1', { version: 1 })).body.deploy.id).toBe(
      rolled.body.deploy.id,
    );
    // The same key on another route is another request.
    const reused = await send('POST', `/api/v1/apps/${code}/promote`, 'rollback-1', {});
    expect([reused.status, reused.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect((await f.waitDeploy(rolled.body.deploy.id)).status).toBe('succeeded');

    const promoted = await send('POST', `/api/v1/apps/${code}/promote`, 'promote-1', {});
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(202);
    expect((await send('POST', `/api/v1/apps/${code}/promote`, 'promote-1', {})).body.deploy.id).toBe(
      promoted.body.deploy.id,
    );
    expect(await deployIds('prod')).toEqual([promoted.body.deploy.id]);
    expect((await f.waitDeploy(promoted.body.deploy.id)).status).toBe('succeeded');
  }, 240_000);

  it('answers a retry before checking the request again (the state may have changed since)', async () => {
    const formation = `/api/v1/apps/${code}/envs/stag/formation`;
    const scaled = await send('PUT', formation, 'scale-then-cap', { processes: { web: 3 } });
    expect(scaled.status, JSON.stringify(scaled.body)).toBe(202);
    expect((await f.waitDeploy(scaled.body.deploy.id)).status).toBe('succeeded');
    // An admin lowers the app's ceiling below what the first request asked for: a new scale to 3
    // is refused, but the retry of the first one still answers its deploy.
    const limits = `/api/v1/apps/${code}/limits`;
    expect((await f.api('PUT', limits, { maxInstances: 1 })).status).toBe(200);
    try {
      const retried = await send('PUT', formation, 'scale-then-cap', { processes: { web: 3 } });
      expect([retried.status, retried.body.deploy?.id]).toEqual([202, scaled.body.deploy.id]);
      const fresh = await send('PUT', formation, 'scale-fresh', { processes: { web: 3 } });
      expect([fresh.status, fresh.body.error?.code]).toEqual([422, 'INSTANCE_LIMIT_EXCEEDED']);
    } finally {
      await f.api('PUT', limits, { maxInstances: null });
    }
  }, 120_000);

  it('refuses a malformed key, and forgets keys after 24 hours', async () => {
    const bad = await send('PUT', `/api/v1/apps/${code}/envs/stag/formation`, 'has space', {
      processes: { web: 1 },
    });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);

    const db = f.t.berthd.store.db;
    const old = Date.now() - IDEMPOTENCY_KEY_TTL_MS - 1000;
    await db
      .updateTable('idempotency_keys')
      .set({ created_at: old })
      .where('idem_key', '=', 'scale-1')
      .execute();
    const fresh = await send('PUT', `/api/v1/apps/${code}/envs/stag/formation`, 'scale-1', {
      processes: { web: 1 },
    });
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(202);
    expect((await f.waitDeploy(fresh.body.deploy.id)).status).toBe('succeeded');

    await db
      .updateTable('idempotency_keys')
      .set({ created_at: old })
      .where('idem_key', '=', 'promote-1')
      .execute();
    expect(await purgeIdempotencyKeys(db, Date.now())).toBe(1);
    const left = await db
      .selectFrom('idempotency_keys')
      .select('idem_key')
      .where('idem_key', '=', 'promote-1')
      .execute();
    expect(left).toEqual([]);
  }, 120_000);
});
