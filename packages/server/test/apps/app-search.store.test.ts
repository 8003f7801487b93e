// GET /api/v1/apps?q=: the apps whose code or name contains a text, letters in either case, with
// the pattern characters of LIKE (%, _) and escape characters (\, !) taken as plain text, the same
// on every dialect; paging unchanged; and each environment summary's current release, on every
// dialect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../support/harness.ts';

const APPS: Array<[code: string, name: string]> = [
  ['alpha', 'Alpha Shop'],
  ['omega', 'ALPHABET soup'],
  ['percent', 'Payroll 100% ready'],
  ['percent2', 'Payroll 1000 ready'],
  ['under', 'snake_case tool'],
  ['under2', 'snakeXcase tool'],
  ['slash', 'C:\\tools\\bin'],
  ['bang', 'Bang! app'],
  ['zhapp', '中文应用'],
  ['x_y', 'Plain'],
  ['xzy', 'Plain too'],
];

const PW = 'search-password-1';

describe.each(testDialects())('searching the app list (%s)', (dialect) => {
  let t: TestBerthd;
  let admin: string;

  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
    admin = await t.login('admin', ADMIN_PASSWORD);
    for (const [code, name] of APPS) {
      const res = await t.api('POST', '/api/v1/apps', { cookie: admin, body: { code, name } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
  });
  afterAll(async () => t?.stop());

  async function search(q: string, cookie = admin, limit?: number): Promise<string[]> {
    const codes: string[] = [];
    let cursor: string | undefined;
    do {
      const params = new URLSearchParams({ q });
      if (limit !== undefined) params.set('limit', String(limit));
      if (cursor !== undefined) params.set('cursor', cursor);
      const res = await t.api('GET', `/api/v1/apps?${params}`, { cookie });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      if (limit !== undefined) expect(res.body.apps.length).toBeLessThanOrEqual(limit);
      codes.push(...res.body.apps.map((a: { code: string }) => a.code));
      cursor = res.body.nextCursor;
    } while (cursor !== undefined);
    return codes;
  }

  it('matches a part of the code or the name, letters in either case', async () => {
    expect(await search('alpha')).toEqual(['alpha', 'omega']);
    expect(await search('ALPH')).toEqual(['alpha', 'omega']);
    expect(await search('Soup')).toEqual(['omega']);
    expect(await search('meg')).toEqual(['omega']);
    expect(await search('中文')).toEqual(['zhapp']);
    expect(await search('nothing like it')).toEqual([]);
  });

  it('takes %, _, \\ and ! as plain characters', async () => {
    expect(await search('%')).toEqual(['percent']);
    expect(await search('100%')).toEqual(['percent']);
    expect(await search('_')).toEqual(['under', 'x_y']);
    expect(await search('e_c')).toEqual(['under']);
    expect(await search('x_')).toEqual(['x_y']);
    expect(await search('\\')).toEqual(['slash']);
    expect(await search('\\tools\\')).toEqual(['slash']);
    expect(await search('!')).toEqual(['bang']);
    expect(await search('g! a')).toEqual(['bang']);
  });

  it('pages a search the same way, by code', async () => {
    const all = await search('p');
    expect(all).toEqual(['alpha', 'bang', 'omega', 'percent', 'percent2', 'x_y', 'xzy', 'zhapp']);
    expect(await search('p', admin, 2)).toEqual(all);
    expect(await search('p', admin, 1)).toEqual(all);
  });

  it("searches a developer's own apps only", async () => {
    const created = await t.api('POST', '/api/v1/users', {
      cookie: admin,
      body: { username: 'searcher', password: PW, role: 'developer' },
    });
    expect(created.status).toBe(201);
    for (const code of ['omega', 'under']) {
      const res = await t.api('POST', `/api/v1/apps/${code}/members`, {
        cookie: admin,
        body: { username: 'searcher' },
      });
      expect(res.status).toBe(204);
    }
    const dev = await t.login('searcher', PW);
    expect(await search('alpha', dev)).toEqual(['omega']);
    expect(await search('o', dev)).toEqual(['omega', 'under']);
  });

  it('refuses an empty or overlong search', async () => {
    for (const q of ['', 'x'.repeat(101)]) {
      const res = await t.api('GET', `/api/v1/apps?q=${q}`, { cookie: admin });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it("shows each environment's current release, absent before the first", async () => {
    const db = t.berthd.store.db;
    const state = (app: string, env: string, version: number | null) => ({
      app_code: app,
      env,
      release_version: version,
      status: 'running',
      formation: '{}',
      instances: '[]',
      updated_at: Date.now(),
    });
    await db
      .insertInto('env_states')
      .values([
        state('alpha', 'stag', 3),
        state('alpha', 'prod', 2),
        state('omega', 'stag', null),
        state('bang', 'prod', 7),
      ])
      .execute();
    const res = await t.api('GET', '/api/v1/apps?q=a&limit=500', { cookie: admin });
    expect(res.status).toBe(200);
    const releases = Object.fromEntries(
      res.body.apps.map((a: { code: string; envs: Array<{ name: string; release?: number }> }) => [
        a.code,
        a.envs.map((e) => `${e.name}:${e.release ?? '-'}`).join(' '),
      ]),
    );
    expect(releases).toMatchObject({
      alpha: 'stag:3 prod:2',
      omega: 'stag:- prod:-',
      bang: 'stag:- prod:7',
      zhapp: 'stag:- prod:-',
    });
    // The same on the app itself and its environments.
    const one = await t.api('GET', '/api/v1/apps/alpha/envs', { cookie: admin });
    expect(one.body.envs.map((e: { release?: number }) => e.release)).toEqual([3, 2]);
  });
});
