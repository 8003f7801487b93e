// The three examples deployed through the API to stag and prod, then fetched through berthd's public
// port at /t/{code}/ and /o/{code}/.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../support/databases.ts';
import { type EngineFixture, EXAMPLES, packDir, startEngineFixture } from './support.ts';

describe.each(testDialects())('examples on %s', (dialect) => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await startEngineFixture(dialect);
  }, 60_000);
  afterAll(async () => f?.stop(), 60_000);

  it.each([
    ['node-hello', 'nodehello', /Hello from Berth/],
    ['python-hello', 'pyhello', /Hello from Berth/],
    ['static-site', 'statichello', /<html/i],
  ])(
    'deploys %s to stag and prod',
    async (example, code, expected) => {
      await f.createApp(code);
      const pkg = await packDir(path.join(EXAMPLES, example));
      const stag = await f.deploy(code, 'stag', pkg);
      expect(stag).toMatchObject({ app: code, env: 'stag', kind: 'build', status: 'succeeded', release: 1 });
      const prod = await f.deploy(code, 'prod', pkg);
      expect(prod.release).toBe(1);
      const t = await f.get(`/t/${code}/`);
      expect(t.status).toBe(200);
      expect(t.text).toMatch(expected);
      const o = await f.get(`/o/${code}/`);
      expect(o.status).toBe(200);
      expect(o.text).toMatch(expected);
      const releases = await f.api('GET', `/api/v1/apps/${code}/envs/prod/releases`);
      expect(releases.body.releases).toMatchObject([
        { version: 1, status: 'ready', source: 'package', current: true },
      ]);
      // The API keeps working next to the gateway.
      expect((await f.api('GET', `/api/v1/apps/${code}`)).status).toBe(200);
    },
    180_000,
  );

  it('serves the static site with content types and revalidation', async () => {
    const css = await fetch(`${f.t.url}/o/statichello/style.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const page = await fetch(`${f.t.url}/o/statichello/`);
    const lastModified = page.headers.get('last-modified');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(lastModified).toBeTruthy();
    const again = await fetch(`${f.t.url}/o/statichello/`, {
      headers: { 'if-modified-since': lastModified! },
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const older = new Date(Date.parse(lastModified!) - 60_000).toUTCString();
    expect(
      (await fetch(`${f.t.url}/o/statichello/`, { headers: { 'if-modified-since': older } })).status,
    ).toBe(200);
  });
});
