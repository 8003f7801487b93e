// Every list of the API pages the same way (limit + opaque cursor, nextCursor absent on the last
// page), on every dialect: walking a list page by page meets each item once, in the list's order,
// also when items are added between two pages, and a malformed or foreign cursor is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from './support/databases.ts';
import { ADMIN_PASSWORD, type ApiResponse, startTestBerthd, type TestBerthd } from './support/harness.ts';

const PW = 'pager-password-1';

interface ListCase {
  path: string;
  name: string;
  id(item: Record<string, unknown>): string;
  /** Adds one item to the list (called between two pages). */
  add(n: number): Promise<void>;
}

describe.each(testDialects())('pagination of every list (%s)', (dialect) => {
  let t: TestBerthd;
  let cookie = '';
  let added = 0;

  const ok = (res: ApiResponse, status = 200) => {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    return res.body;
  };
  const get = (path: string) => t.api('GET', path, { cookie });
  const with_ = (path: string, query: string) => `${path}${path.includes('?') ? '&' : '?'}${query}`;

  /** Inserts deploys and releases straight into the store, many with the same timestamp. */
  async function seedEngineRows(app: string, count: number, at: number): Promise<void> {
    const db = t.berthd.store.db;
    for (let i = 0; i < count; i++) {
      const n = ++added;
      await db
        .insertInto('deploys')
        .values({
          id: `dep_page${String(n).padStart(4, '0')}`,
          app_code: app,
          env: 'stag',
          kind: 'restart',
          status: 'failed',
          requested: 0,
          job_id: `job_none${n}`,
          release_version: null,
          params: '{}',
          description: null,
          created_by: 'admin',
          created_at: at + (i % 2 === 0 ? 0 : 1),
        })
        .execute();
      const version = Number(
        (
          await db
            .selectFrom('releases')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('app_code', '=', app)
            .executeTakeFirstOrThrow()
        ).n,
      );
      await db
        .insertInto('releases')
        .values({
          id: `rel_page${n}`,
          app_code: app,
          env: 'stag',
          version: version + 1,
          status: 'ready',
          source: 'package',
          out_dir: null,
          artifact_dir: null,
          build: null,
          config_sealed: null,
          pruned: 0,
          description: null,
          created_by: 'admin',
          created_at: at,
        })
        .execute();
    }
  }

  async function walk(path: string, name: string, limit: number, between?: () => Promise<void>) {
    const items: Record<string, unknown>[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const body = ok(await get(with_(path, `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)));
      const page = body[name] as Record<string, unknown>[];
      expect(page.length).toBeLessThanOrEqual(limit);
      items.push(...page);
      cursor = body.nextCursor;
      if (cursor !== undefined) expect(page).toHaveLength(limit);
      if (pages++ === 0 && between) await between();
    } while (cursor !== undefined);
    return items;
  }

  let cases: ListCase[];

  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
    cookie = await t.login('admin', ADMIN_PASSWORD);
    const post = async (path: string, body: unknown, status = 201) =>
      ok(await t.api('POST', path, { cookie, body }), status);
    const addUser = (n: number) =>
      post('/api/v1/users', { username: `pager${n}`, password: PW, role: 'developer' });
    const addApp = (n: number) => post('/api/v1/apps', { code: `pg${n}`, name: `Pager ${n}` });
    for (let i = 0; i < 5; i++) await addUser(++added);
    for (let i = 0; i < 5; i++) await addApp(++added);
    await post('/api/v1/apps', { code: 'paged', name: 'Paged' });
    for (let i = 0; i < 5; i++) await post('/api/v1/apps/paged/members', { username: `pager${i + 1}` }, 204);
    const setVar = async (n: number) =>
      ok(
        await t.api('PATCH', '/api/v1/apps/paged/envs/stag/config', {
          cookie,
          body: { set: [{ name: `VAR_${n}`, value: String(n) }] },
        }),
      );
    for (let i = 0; i < 5; i++) await setVar(++added);
    const addToken = (n: number) => post('/api/v1/me/tokens', { name: `token ${n}` });
    for (let i = 0; i < 5; i++) await addToken(++added);
    const addJob = async (n: number) => {
      await t.berthd.jobs.enqueue(
        'pagination.test',
        { n },
        { appCode: 'paged', runAt: Date.now() + 3_600_000 },
      );
    };
    for (let i = 0; i < 5; i++) await addJob(++added);
    // Five deploys and releases share two timestamps: the id breaks the tie.
    const at = Date.now();
    await seedEngineRows('paged', 5, at);

    const byId = (item: Record<string, unknown>) => String(item['id']);
    cases = [
      {
        path: '/api/v1/users',
        name: 'users',
        id: (u) => String(u['username']),
        add: (n) => addUser(n).then(() => {}),
      },
      {
        path: '/api/v1/apps',
        name: 'apps',
        id: (a) => String(a['code']),
        add: (n) => addApp(n).then(() => {}),
      },
      {
        path: '/api/v1/apps/paged/members',
        name: 'members',
        id: (m) => String(m['username']),
        add: async (n) => {
          await addUser(n);
          await post('/api/v1/apps/paged/members', { username: `pager${n}` }, 204);
        },
      },
      {
        path: '/api/v1/apps/paged/envs/stag/config',
        name: 'vars',
        id: (v) => String(v['name']),
        add: (n) => setVar(n).then(() => {}),
      },
      { path: '/api/v1/me/tokens', name: 'tokens', id: byId, add: (n) => addToken(n).then(() => {}) },
      { path: '/api/v1/tokens', name: 'tokens', id: byId, add: (n) => addToken(n).then(() => {}) },
      { path: '/api/v1/jobs?app=paged', name: 'jobs', id: byId, add: addJob },
      {
        path: '/api/v1/apps/paged/envs/stag/deploys',
        name: 'deploys',
        id: byId,
        add: () => seedEngineRows('paged', 1, at),
      },
      {
        path: '/api/v1/apps/paged/envs/stag/releases',
        name: 'releases',
        id: (r) => String(r['version']),
        add: () => seedEngineRows('paged', 1, at),
      },
      { path: '/api/v1/audit', name: 'events', id: byId, add: (n) => addToken(n).then(() => {}) },
    ];
  }, 120_000);
  afterAll(async () => t?.stop());

  it('walks every list page by page: each item once, in order, with items added between pages', async () => {
    for (const c of cases) {
      const before = (ok(await get(with_(c.path, 'limit=500')))[c.name] as Record<string, unknown>[]).map(
        c.id,
      );
      expect(before.length, c.path).toBeGreaterThan(3);
      const walked = (await walk(c.path, c.name, 2, () => c.add(++added))).map(c.id);
      expect(new Set(walked).size, `${c.path}: no duplicates`).toBe(walked.length);
      // Every item that was there before is met once, in the order the list had then.
      expect(
        walked.filter((id) => before.includes(id)),
        `${c.path}: no gaps`,
      ).toEqual(before);
      // And the list's order holds for the walk as a whole (the full list, read again).
      const after = (ok(await get(with_(c.path, 'limit=500')))[c.name] as Record<string, unknown>[]).map(
        c.id,
      );
      expect(
        after.filter((id) => walked.includes(id)),
        c.path,
      ).toEqual(walked);
    }
  });

  it('pages the short lists too (environments, instances)', async () => {
    const envs = await walk('/api/v1/apps/paged/envs', 'envs', 1);
    expect(envs.map((e) => e['name'])).toEqual(['stag', 'prod']);
    const instances = ok(await get('/api/v1/apps/paged/envs/stag/instances?limit=1'));
    expect(instances).toEqual({ instances: [] });
  });

  it('answers the last page without nextCursor and uses the documented default', async () => {
    const all = ok(await get('/api/v1/apps/paged/envs/stag/config'));
    expect(all.nextCursor).toBeUndefined();
    expect(all.vars.length).toBeGreaterThan(3);
  });

  it('refuses a malformed, forged or foreign cursor with INVALID_CURSOR', async () => {
    const usersCursor = ok(await get('/api/v1/users?limit=1')).nextCursor as string;
    expect(typeof usersCursor).toBe('string');
    const forged = Buffer.from(JSON.stringify(['users', 42])).toString('base64url');
    const bad = ['not a cursor', 'e30', forged, usersCursor.slice(0, -3)];
    for (const c of cases) {
      for (const cursor of [...bad, ...(c.name === 'users' ? [] : [usersCursor])]) {
        const res = await get(with_(c.path, `cursor=${encodeURIComponent(cursor)}`));
        expect([res.status, res.body?.error?.code], `${c.path} ${cursor}`).toEqual([400, 'INVALID_CURSOR']);
      }
    }
    const tooBig = await get('/api/v1/users?limit=501');
    expect([tooBig.status, tooBig.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});
