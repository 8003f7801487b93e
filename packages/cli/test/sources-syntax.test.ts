// The sources commands' client-side checks, in-process and without a server: --ref, --repo and
// --image against a path and each other, `sources set|pin` options (secrets never as values), and the
// git credential helper's refusals to hand a token to a host it does not belong to.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { originText } from '../src/commands/origin-view.ts';
import { EXIT } from '../src/errors.ts';
import { unreachable } from './support/cli.ts';
import { runInProcess } from './support/in-process.ts';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-sources-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

async function usage(argv: string[], message: RegExp, input = '') {
  // Credentials of a server that is not there: a command that got past its checks exits 4.
  const res = await runInProcess(argv, { env: { XDG_CONFIG_HOME: home, ...(await unreachable()) }, input });
  expect({ code: res.code, stderr: res.stderr }, argv.join(' ')).toMatchObject({
    code: EXIT.usage,
    stderr: expect.stringMatching(message),
  });
}

describe('deploy and requests create with --ref and --image', () => {
  it('refuse a path with them, both at once, and --repo alone or unknown', async () => {
    await usage(['deploy', '.', '--ref', 'main', '--app', 'shop'], /--ref deploys without a directory/);
    await usage(
      ['deploy', '--ref', 'main', '--image', 'x:1', '--app', 'shop'],
      /give --ref or --image, not both/,
    );
    await usage(['deploy', '--repo', 'external', '--app', 'shop'], /--repo goes with --ref/);
    await usage(
      ['deploy', '--ref', 'main', '--repo', 'github', '--app', 'shop'],
      /--repo is hosted or external/,
    );
    await usage(['deploy', '--ref', '', '--app', 'shop'], /--ref needs a branch, tag or commit/);
    await usage(['deploy', '--ref', 'x'.repeat(256), '--app', 'shop'], /at most 255/);
    await usage(['deploy', '--image', ' ', '--app', 'shop'], /--image needs NAME/);
    await usage(['requests', 'create', '--app', 'shop', '--ref', 'v1', '--promote'], /give one of --promote/);
    await usage(
      ['requests', 'create', '--app', 'shop', '--ref', 'v1', '--version', '2'],
      /--version goes with/,
    );
  });

  it('get past their checks to the server with a ref or an image', async () => {
    const env = { XDG_CONFIG_HOME: home, ...(await unreachable()) };
    for (const argv of [
      ['deploy', '--ref', 'v1.2.0', '--repo', 'external', '--app', 'shop', '--env', 'prod'],
      ['deploy', '--image', 'shop:1.4', '--app', 'shop', '--request'],
      ['requests', 'create', '--app', 'shop', '--image', 'shop:1.4'],
    ]) {
      expect((await runInProcess(argv, { env })).code, argv.join(' ')).toBe(EXIT.network);
    }
  });
});

describe('berth sources set and pin', () => {
  it('refuse nothing to change, a token with a key, --no-external with more, bad values and files', async () => {
    await usage(['sources', 'set', '--app', 'shop'], /nothing to change/);
    await usage(
      ['sources', 'set', '--app', 'shop', '--token-stdin', '--ssh-key', '/etc/hostname'],
      /not both/,
      't\n',
    );
    await usage(
      ['sources', 'set', '--app', 'shop', '--no-external', '--repo-url', 'https://x/y'],
      /--no-external removes/,
    );
    await usage(['sources', 'set', '--app', 'shop', '--branch-env', 'dev'], /stag, prod or none/);
    await usage(['sources', 'set', '--app', 'shop', '--use', 'github'], /--use is hosted or external/);
    await usage(['sources', 'set', '--app', 'shop', '--ssh-key', path.join(home, 'none')], /is not a file/);
    await usage(
      ['sources', 'set', '--app', 'shop', '--repo-url', 'https://x/y', '--token-stdin'],
      /read no token/,
    );
    // The token is never an option value.
    await usage(['sources', 'set', '--app', 'shop', '--token', 'abc'], /Unknown option '--token'/);
    const manifest = path.join(home, 'berth.yaml');
    fs.writeFileSync(manifest, 'runtime: node\n');
    await usage(
      ['sources', 'pin', manifest, '--app', 'shop', '--fields', 'processes,nope'],
      /'nope' is not a manifest field/,
    );
    await usage(['sources', 'pin', home, '--app', 'shop'], /is not a file/);
  });
});

describe('berth git credential', () => {
  const stored = path.join(home, 'stored');
  fs.mkdirSync(path.join(stored, 'berth'), { recursive: true });
  fs.writeFileSync(
    path.join(stored, 'berth', 'config.json'),
    JSON.stringify({ server: 'https://berth.example.com', token: 'berth_secret', username: 'dev' }),
  );
  const get = (input: string, env: Record<string, string> = {}) =>
    runInProcess(['git', 'credential', 'get'], { env: { XDG_CONFIG_HOME: stored, ...env }, input });

  it('answers for the stored server with the stored user and token', async () => {
    const res = await get('protocol=https\nhost=berth.example.com\npath=git/shop.git\n');
    expect(res).toEqual({ code: 0, stdout: 'username=dev\npassword=berth_secret\n', stderr: '' });
  });

  it('gives the stored token to no other server, even one BERTH_URL names', async () => {
    for (const [input, env] of [
      ['protocol=https\nhost=other.example.com\n', {}],
      ['protocol=http\nhost=berth.example.com\n', {}],
      ['protocol=https\nhost=berth.example.com:8443\n', {}],
      ['protocol=https\nhost=evil.example.com\n', { BERTH_URL: 'https://evil.example.com' }],
      ['protocol=https\nhost=berth.example.com\nusername=admin\n', {}],
      ['url=https://other.example.com/git/shop.git\n', {}],
    ] as const) {
      expect(await get(input, env), input).toEqual({ code: 0, stdout: '', stderr: '' });
    }
  });

  it('gives BERTH_TOKEN only to the server the CLI would send it to', async () => {
    const env = { ...(await unreachable()) };
    const other = await get('protocol=https\nhost=berth.example.com\n', env);
    expect(other).toEqual({ code: 0, stdout: '', stderr: '' });
    // For its own server it asks whose token it is: that server is not there.
    const own = await get(`protocol=http\nhost=${new URL(env['BERTH_URL']!).host}\n`, env);
    expect(own.code).toBe(EXIT.network);
    expect(own.stdout).toBe('');
  });

  it('store and erase print nothing and keep the login', async () => {
    for (const op of ['store', 'erase', 'unknown']) {
      const res = await runInProcess(['git', 'credential', op], {
        env: { XDG_CONFIG_HOME: stored },
        input: 'protocol=https\nhost=berth.example.com\nusername=dev\npassword=changed\n',
      });
      expect(res).toEqual({ code: 0, stdout: '', stderr: '' });
    }
    expect(JSON.parse(fs.readFileSync(path.join(stored, 'berth', 'config.json'), 'utf8')).token).toBe(
      'berth_secret',
    );
  });
});

describe('origins in words', () => {
  it('names a git ref and commit, a package digest and an image', () => {
    const commit = '9b1e2c3d4e5f60718293a4b5c6d7e8f901234567';
    expect(originText({ type: 'git', repository: 'hosted', ref: 'refs/heads/main', commit })).toBe(
      'git main 9b1e2c3d',
    );
    expect(originText({ type: 'git', repository: 'external', ref: 'refs/tags/v1.2.0', commit })).toBe(
      'git external v1.2.0 9b1e2c3d',
    );
    expect(originText({ type: 'git', repository: 'hosted', commit })).toBe('git 9b1e2c3d');
    expect(originText({ type: 'git', repository: 'hosted', ref: 'main' })).toBe('git main');
    expect(originText({ type: 'package', sha256: 'f'.repeat(64) })).toBe('package ffffffff');
    expect(originText({ type: 'image', image: 'shop:1.4', digest: 'sha256:abc' })).toBe('image shop:1.4');
    expect(originText(undefined)).toBe('');
  });
});
