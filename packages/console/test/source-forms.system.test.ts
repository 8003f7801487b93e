// The bodies the source tab's forms build, sent to a real berthd: the settings form as it opens on
// the API's answer changes only what was touched; an external repository added with a token keeps
// that token (and its user name) through later edits that leave the credential field empty; the
// API's own rule that a new URL drops the credential matches the form's; a pin from the pin form
// pins the fields asked for, read back as the pin card shows it. The SDK client's sources methods
// (what the tab calls) reach the same routes and fail with the catalogue's codes.
import { BerthClient, type SourceSettings } from '@berth/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import { pinBodyOf } from '../src/features/apps/source/pin-form.ts';
import {
  emptyExternal,
  type SourceDraft,
  sourceBodyOf,
  sourceDraftOf,
} from '../src/features/apps/source/source-form.ts';

const CODE = 'srcform';

describe('the source forms against berthd', () => {
  let t: TestBerthd;
  let cookie: string;

  beforeAll(async () => {
    t = await startTestBerthd();
    cookie = await t.login('admin', ADMIN_PASSWORD);
    const app = await t.api('POST', '/api/v1/apps', { cookie, body: { code: CODE, name: 'Source form' } });
    expect(app.status, JSON.stringify(app.body)).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
  });

  async function read(): Promise<SourceSettings> {
    const res = await t.api('GET', `/api/v1/apps/${CODE}/source`, { cookie });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.source;
  }

  /** Opens the form on the API's answer, applies `edit`, and saves what the form would send. */
  async function save(edit: (draft: SourceDraft) => SourceDraft): Promise<SourceSettings> {
    const before = await read();
    const result = sourceBodyOf(edit(sourceDraftOf(before)), before);
    if (!result.ok) throw new Error(`the form refused: ${result.problem}`);
    const res = await t.api('PUT', `/api/v1/apps/${CODE}/source`, { cookie, body: result.body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.source;
  }

  it('changes the deploy branch and where tags go, and nothing else', async () => {
    const before = await read();
    const after = await save((d) => ({ ...d, branch: 'release', tagEnv: 'prod' }));
    expect(after).toEqual({ ...before, branch: 'release', tagEnv: 'prod' });
  });

  it('adds an external repository with a token, and keeps the token through later edits', async () => {
    let after = await save((d) => ({
      ...d,
      repository: 'external',
      external: {
        ...emptyExternal(),
        url: 'https://git.example.com/shop.git',
        auth: 'token',
        username: 'ci-bot',
        credential: 'a-secret-token',
      },
    }));
    expect(after.repository).toBe('external');
    expect(after.external).toEqual({
      url: 'https://git.example.com/shop.git',
      auth: 'token',
      username: 'ci-bot',
    });
    expect(JSON.stringify(after)).not.toContain('a-secret-token');

    // An edit of another field sends no credential: the token stays set, the user name too.
    after = await save((d) => ({ ...d, branchEnv: null }));
    expect(after.branchEnv).toBeNull();
    expect(after.external).toEqual({
      url: 'https://git.example.com/shop.git',
      auth: 'token',
      username: 'ci-bot',
    });

    // A new user name alone (the form sends the URL again, no token): still a token.
    after = await save((d) => ({ ...d, external: { ...d.external!, username: 'deployer' } }));
    expect(after.external).toEqual({
      url: 'https://git.example.com/shop.git',
      auth: 'token',
      username: 'deployer',
    });
  });

  it('agrees with the API that a new URL needs a new credential', async () => {
    const before = await read();
    const draft = sourceDraftOf(before);
    draft.external = { ...draft.external!, url: 'https://other.example.com/shop.git' };
    expect(sourceBodyOf(draft, before)).toEqual({ ok: false, problem: 'credentialRequired' });
    // What the API does with the URL alone (what the form does not send): the token is dropped.
    const res = await t.api('PUT', `/api/v1/apps/${CODE}/source`, {
      cookie,
      body: { external: { url: 'https://other.example.com/shop.git' } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.source.external.auth).toBe('none');
  });

  it('removes the external repository, back to the hosted one', async () => {
    const after = await save((d) => ({ ...d, repository: 'hosted', external: null }));
    expect(after.repository).toBe('hosted');
    expect(after.external).toBeUndefined();
  });

  it('pins the fields the pin form asks for, and unpins', async () => {
    const manifest = 'processes:\n  web:\n    command: node server.js\n    count: 2\nenv:\n  A: "1"\n';
    const body = pinBodyOf({ manifest, fields: ['processes'] });
    if (!body.ok) throw new Error(body.problem);
    let res = await t.api('PUT', `/api/v1/apps/${CODE}/source/pin`, { cookie, body: body.body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.source.pin).toMatchObject({ fields: ['processes'], manifest, pinnedBy: 'admin' });
    res = await t.api('DELETE', `/api/v1/apps/${CODE}/source/pin`, { cookie });
    expect(res.status).toBe(200);
    expect(res.body.source.pin).toBeUndefined();
  });

  it('the client the tab uses reads and changes the same settings, and fails with catalogue codes', async () => {
    const api = new BerthClient({ baseUrl: t.url, sessionToken: cookie, sessionCookie: t.cookieName });
    expect((await api.gitRemote(CODE)).remote).toBe(`${t.url}/git/${CODE}.git`);
    const { source } = await api.updateSource(CODE, { branchEnv: 'stag' });
    expect(source.branchEnv).toBe('stag');
    expect((await api.getSource(CODE)).source).toEqual(source);
    const pinned = await api.pinManifest(CODE, { manifest: 'runtime: node\n' });
    expect(pinned.source.pin?.fields).toEqual(['runtime']);
    expect((await api.unpinManifest(CODE)).source.pin).toBeUndefined();
    expect((await api.listBuilds(CODE)).builds).toEqual([]);
    // Nothing was pushed: no such branch. The process runtime deploys no images.
    await expect(api.deployGit(CODE, 'stag', { ref: 'main' })).rejects.toMatchObject({
      code: 'GIT_REF_NOT_FOUND',
    });
    await expect(api.deployGit(CODE, 'stag', { ref: 'main..x' })).rejects.toMatchObject({
      code: 'GIT_REF_INVALID',
    });
    await expect(api.deployImage(CODE, 'stag', { image: 'busybox:1' })).rejects.toMatchObject({
      code: 'IMAGE_DEPLOY_UNSUPPORTED',
    });
  });
});
