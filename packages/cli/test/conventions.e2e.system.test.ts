// CLI conventions against a real berthd running a real app, driven in-process through run(argv, io):
// --json prints JSON only, on every command that declares it; a followed deploy's log is progress on
// stderr while stdout holds the result; colour codes from an app's log pass only where colour is
// wanted; Ctrl-C (the Io's interrupt signal) ends a log follow and a deploy follow with 130. One
// test sends a real SIGINT to the real CLI following logs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeCert } from '../../server/test/domains/make-certs.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import { EXIT } from '../src/errors.ts';
import { GROUPS } from '../src/run.ts';
import type { CliResult } from './support/cli.ts';
import { createCliHome } from './support/cli.ts';
import { type InProcessOptions, runInProcess } from './support/in-process.ts';

const APP = 'conv';
const NEW_PASSWORD = 'admin-new-password-2';
const DOOMED = 'doomed';
const ESC = '\x1b';

function writeApp(dir: string, listenAfterMs: number): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'berth.yaml'),
    `runtime: node\nprocesses:\n  web:\n    command: node server.js\n    count: 1\nhealth:\n  path: /\n  startTimeout: ${listenAfterMs ? 120 : 20}s\n  interval: 1s\n`,
  );
  fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"conv","version":"1.0.0","type":"module"}\n');
  fs.writeFileSync(
    path.join(dir, 'server.js'),
    `import http from 'node:http';
console.log('\\x1b[32mready\\x1b[0m on ' + process.env.PORT);
setTimeout(() => http.createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT)), ${listenAfterMs});
`,
  );
}

describe('CLI conventions against berthd', () => {
  let t: TestBerthd;
  let home: string;
  let work: string;
  let slowDeploy: string | undefined;
  const cli = (argv: string[], options: InProcessOptions = {}): Promise<CliResult> =>
    runInProcess(argv, { ...options, env: { XDG_CONFIG_HOME: home, ...options.env } });
  const ok = async (argv: string[], options: InProcessOptions = {}): Promise<CliResult> => {
    const res = await cli(argv, options);
    expect({ argv, code: res.code, stderr: res.code === 0 ? '' : res.stderr }).toEqual({
      argv,
      code: 0,
      stderr: '',
    });
    return res;
  };
  const json = async (argv: string[]) => JSON.parse((await ok([...argv, '--json'])).stdout);

  beforeAll(async () => {
    // ACME on, with a directory nobody answers at: `domains acme` enqueues an order (its job fails later).
    t = await startTestBerthd({ env: { BERTH_ACME_DIRECTORY: 'https://127.0.0.1:9/directory' } });
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-conv-'));
    work = path.join(home, 'work');
    writeApp(path.join(work, 'app'), 0);
    writeApp(path.join(work, 'slow'), 60_000);
    await ok(['login', t.url, '-u', 'admin', '--password-stdin'], { input: `${ADMIN_PASSWORD}\n` });
    await ok(['apps', 'create', APP, '--name', 'Conventions']);
    await ok(['apps', 'create', DOOMED, '--name', 'Doomed']);
    await ok(['users', 'create', 'jdev', '--role', 'developer', '--password-stdin'], {
      input: 'developer-password-1\n',
    });
  }, 120_000);
  afterAll(async () => {
    // Deleting the app stops its instances and removes its host users (the table below logged out).
    if (t) {
      await cli(['login', t.url, '-u', 'admin', '--password-stdin'], { input: `${NEW_PASSWORD}\n` });
      for (const code of [APP, 'another']) await cli(['apps', 'delete', code, '--yes']);
    }
    await t?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('deploy: the followed log goes to stderr, stdout holds only the result', async () => {
    const res = await ok(['deploy', path.join(work, 'app'), '--app', APP]);
    expect(res.stdout).toMatch(/^Deployed v1 to http:\/\/\S+\/t\/conv\/\n$/);
    expect(res.stderr).toMatch(/^Packed 3 files from .+; uploading\.\n/);
    expect(res.stderr).toMatch(/following its log\.\n/);
  }, 120_000);

  it("passes an app's colour codes only where colour is wanted", async () => {
    const logged = async (env: Record<string, string>, tty = false) =>
      (await ok(['logs', '--app', APP], { env, tty })).stdout;
    await vi.waitFor(async () => expect(await logged({})).toContain('ready on'), { timeout: 30_000 });
    expect(await logged({})).not.toContain(ESC);
    expect(await logged({}, true)).toContain(`${ESC}[32mready${ESC}[0m`);
    expect(await logged({ NO_COLOR: '1' }, true)).not.toContain(ESC);
    expect(await logged({ TERM: 'dumb' }, true)).not.toContain(ESC);
    expect(await logged({ FORCE_COLOR: '1' })).toContain(`${ESC}[32m`);
    expect(await logged({ FORCE_COLOR: '1', NO_COLOR: '1' })).not.toContain(ESC);
  });

  it('Ctrl-C while following the logs exits 130 (in-process)', async () => {
    const interrupt = new AbortController();
    const res = await cli(['logs', '--app', APP, '--follow'], {
      interrupt: interrupt.signal,
      onStderr: (soFar) => {
        if (soFar.includes('Ctrl-C stops')) interrupt.abort();
      },
    });
    expect(res.code).toBe(EXIT.interrupted);
    expect(res.stderr).toMatch(/\nberth: interrupted \(INTERRUPTED\)\n$/);
  });

  it('Ctrl-C (a real SIGINT) while the real CLI follows the logs exits 130', async () => {
    const stored = JSON.parse(fs.readFileSync(path.join(home, 'berth', 'config.json'), 'utf8'));
    const spawned = createCliHome();
    try {
      const child = spawned.spawn(['logs', '--app', APP, '-f'], {
        env: { BERTH_URL: t.url, BERTH_TOKEN: stored.token },
      });
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if (d.includes('Ctrl-C stops')) child.kill('SIGINT');
      });
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/berth: interrupted \(INTERRUPTED\)\n$/);
    } finally {
      spawned.remove();
    }
  });

  it('Ctrl-C while following a deploy exits 130 and says the deploy goes on (in-process)', async () => {
    const interrupt = new AbortController();
    const res = await cli(['deploy', path.join(work, 'slow'), '--app', APP], {
      interrupt: interrupt.signal,
      onStderr: (soFar) => {
        if (/Started conv-stag-/.test(soFar)) interrupt.abort();
      },
    });
    expect(res.code).toBe(EXIT.interrupted);
    expect(res.stdout).toBe('');
    slowDeploy = /Deploy (dep_\S+) \(build of conv\/stag\)/.exec(res.stderr)?.[1];
    expect(slowDeploy).toBeDefined();
    expect(res.stderr).toMatch(
      new RegExp(
        `\\nberth: stopped following; deploy ${slowDeploy} goes on on the server .*'berth deploys cancel ${slowDeploy}'.* \\(INTERRUPTED\\)\\n$`,
      ),
    );
    expect((await json(['deploys', 'info', slowDeploy!])).deploy.status).toBe('running');
  }, 120_000);

  it('--json prints JSON and nothing else on every command that declares it', async () => {
    const declared = GROUPS.flatMap((g) =>
      g.commands
        .filter((c) => c.usage.includes('--json'))
        .map((c) => (g.single ? g.name : `${g.name} ${c.name}`)),
    );
    // Something to show, cancel and revoke: a restart queued behind the running slow deploy, a token.
    const queued = (await json(['restart', '--app', APP, '--no-wait'])).deploy;
    const token = (await json(['tokens', 'create', 'conv-ci'])).token;
    const anyDeploy = (await json(['deploys', '--app', APP])).deploys.at(-1);
    // Deploy requests to decide (filed by a developer member: nobody decides their own) and one of
    // the admin's own to withdraw.
    await ok(['apps', 'members', APP, 'add', 'jdev']);
    const jdev = await t.login('jdev', 'developer-password-1');
    const fileAsJdev = async (): Promise<string> => {
      const filed = await t.api('POST', `/api/v1/apps/${APP}/envs/prod/requests`, {
        cookie: jdev,
        body: { kind: 'promote' },
      });
      expect(filed.status).toBe(201);
      return filed.body.deploy.id;
    };
    const toApprove = await fileAsJdev();
    const toRefuse = await fileAsJdev();
    const own = (await json(['requests', 'create', '--app', APP, '--promote'])).deploy.id;
    const NDJSON = new Set(['logs', 'deploys logs', 'jobs logs']);
    const cert = await makeCert({ names: ['conv.example.com'] });
    fs.writeFileSync(path.join(home, 'conv.pem'), cert.pem);
    fs.writeFileSync(path.join(home, 'conv.key'), cert.keyPem);
    // An API gateway system to sync, show and grant, and a grant to revoke.
    const systems = path.join(home, 'apigw');
    fs.mkdirSync(systems);
    fs.writeFileSync(
      path.join(systems, 'CONV.yaml'),
      `system:\n  name: CONV\n  label: Conventions\ncomponents:\n  - name: ping\n    label: Ping\n    path: /v2/conv/ping/\n    method: GET\n    dest: { app: ${APP}, env: prod, path: /ping }\n${['pong', 'pang'].map((c) => `  - name: ${c}\n    label: ${c}\n    path: /v2/conv/${c}/\n    method: GET\n    dest: { app: ${APP}, env: prod, path: /${c} }\n`).join('')}`,
    );
    const toRevoke = (await json(['apigw', 'grant', APP, 'CONV_OTHER'])).grant.id;
    // Permission requests to approve, refuse and withdraw (their system synced now; synced again below).
    await json(['apigw', 'sync', systems]);
    const ask = async (target: string) =>
      (await json(['apigw', 'request', APP, target, '--reason', 'conventions'])).request.id as string;
    const [toApproveAccess, toRefuseAccess, toWithdrawAccess] = [
      await ask('CONV'),
      await ask('CONV/pong'),
      await ask('CONV/pang'),
    ];
    // In this order: the cancels and deletes come last.
    const commands: Record<string, string[]> = {
      'apigw sync': ['apigw', 'sync', systems],
      'apigw export': ['apigw', 'export', path.join(home, 'apigw-export')],
      'apigw systems': ['apigw', 'systems'],
      'apigw components': ['apigw', 'components', '--system', 'CONV'],
      'apigw show': ['apigw', 'show', 'CONV'],
      'apigw grant': ['apigw', 'grant', APP, 'CONV/ping'],
      'apigw grants': ['apigw', 'grants', '--app', APP],
      'apigw revoke': ['apigw', 'revoke', toRevoke],
      'apigw trust': ['apigw', 'trust', APP],
      'apigw trusted': ['apigw', 'trusted'],
      'apigw untrust': ['apigw', 'untrust', APP],
      'apigw request': ['apigw', 'request', APP, 'CONV/ping', '--reason', 'conventions'],
      'apigw requests': ['apigw', 'requests', '--app', APP],
      'apigw approve': ['apigw', 'approve', toApproveAccess],
      'apigw refuse': ['apigw', 'refuse', toRefuseAccess, '--reason', 'conventions'],
      'apigw withdraw': ['apigw', 'withdraw', toWithdrawAccess],
      'apigw stats': ['apigw', 'stats', '--window', '1h'],
      whoami: ['whoami'],
      'apps list': ['apps', 'list'],
      'apps info': ['apps', 'info', '--app', APP],
      'apps update': ['apps', 'update', APP, '--description', 'Conventions, tested'],
      'apps secret': ['apps', 'secret', APP],
      'apps limits': ['apps', 'limits', APP],
      'apps members': ['apps', 'members', APP, 'add', 'jdev'],
      'config list': ['config', 'list', '--app', APP, '--env', 'prod'],
      'config set': ['config', 'set', 'GREETING=hi', '--app', APP, '--env', 'prod'],
      'config get': ['config', 'get', 'GREETING', '--app', APP, '--env', 'prod'],
      'config unset': ['config', 'unset', 'GREETING', '--app', APP, '--env', 'prod'],
      'deploys list': ['deploys', 'list', '--app', APP],
      'deploys info': ['deploys', 'info', anyDeploy.id],
      'deploys logs': ['deploys', 'logs', anyDeploy.id],
      releases: ['releases', '--app', APP],
      ps: ['ps', '--app', APP],
      logs: ['logs', '--app', APP],
      traffic: ['traffic', '--app', APP],
      'jobs list': ['jobs', 'list', '--app', APP],
      'jobs info': ['jobs', 'info', anyDeploy.jobId],
      'jobs logs': ['jobs', 'logs', anyDeploy.jobId],
      'users list': ['users', 'list'],
      nodes: ['nodes'],
      'users info': ['users', 'info', 'jdev'],
      'tokens list': ['tokens', 'list'],
      'tokens create': ['tokens', 'create', 'conv-ci-2'],
      audit: ['audit', '--since', '1h', '--limit', '5'],
      'requests list': ['requests', 'list', '--app', APP],
      'requests show': ['requests', 'show', toRefuse],
      'requests create': ['requests', 'create', '--app', APP, '--promote', '--note', 'json'],
      'requests withdraw': ['requests', 'withdraw', own],
      refuse: ['refuse', toRefuse, '--reason', 'not now'],
      approve: ['approve', toApprove],
      'policy show': ['policy', 'show', '--app', APP],
      'policy set': ['policy', 'set', '--app', APP, '--env', 'stag', '--approval', 'off'],
      permissions: ['permissions', '--app', APP],
      builds: ['builds', '--app', APP],
      'git remote': ['git', 'remote', '--app', APP],
      'sources show': ['sources', 'show', '--app', APP],
      'sources set': ['sources', 'set', '--app', APP, '--tag-env', 'none'],
      'sources pin': ['sources', 'pin', path.join(work, 'app', 'berth.yaml'), '--app', APP],
      'sources unpin': ['sources', 'unpin', '--app', APP],
      'webhooks show': ['webhooks', 'show', '--app', APP, '--reveal'],
      'webhooks rotate': ['webhooks', 'rotate', '--app', APP],
      'webhooks deliveries': ['webhooks', 'deliveries', '--app', APP],
      'domains add': ['domains', 'add', 'conv.example.com', '--app', APP, '--env', 'prod'],
      'domains list': ['domains', 'list'],
      'domains update': ['domains', 'update', 'conv.example.com', '--hsts', '60'],
      'domains acme': ['domains', 'acme', 'conv.example.com'],
      'certs add': [
        'certs',
        'add',
        '--cert',
        path.join(home, 'conv.pem'),
        '--key',
        path.join(home, 'conv.key'),
      ],
      'certs list': ['certs', 'list'],
      'channels add': [
        'channels',
        'add',
        'conv-hook',
        '--kind',
        'webhook',
        '--url',
        'http://127.0.0.1:9/h',
        '--secret-stdin',
      ],
      'channels list': ['channels', 'list'],
      'channels show': ['channels', 'show', 'conv-hook'],
      'channels update': ['channels', 'update', 'conv-hook', '--language', 'zh-CN'],
      'channels test': ['channels', 'test', 'conv-hook'],
      'channels deliveries': ['channels', 'deliveries', 'conv-hook'],
      'notifications subscribe': ['notifications', 'subscribe', '--app', APP, 'conv-hook', '--events', 'all'],
      'notifications list': ['notifications', 'list', '--app', APP],
      'notifications deliveries': ['notifications', 'deliveries', '--app', APP],
      'notifications unsubscribe': ['notifications', 'unsubscribe', '--app', APP, 'conv-hook'],
      'jobs cancel': ['jobs', 'cancel', queued.jobId],
      'deploys cancel': ['deploys', 'cancel', slowDeploy!],
      'tokens revoke': ['tokens', 'revoke', token.id],
      // Followed to its end: the log goes to stderr, the finished deploy to stdout.
      restart: ['restart', '--app', APP],
      scale: ['scale', 'web=1', '--app', APP, '--no-wait'],
      stop: ['stop', '--app', APP, '--no-wait'],
      start: ['start', '--app', APP, '--no-wait'],
      promote: ['promote', '--app', APP, '--no-wait'],
      rollback: ['rollback', '1', '--app', APP, '--no-wait'],
      deploy: ['deploy', path.join(work, 'app'), '--app', APP, '--no-wait'],
      open: ['open', '--app', APP],
      'apps create': ['apps', 'create', 'another', '--name', 'Another'],
      'users create': ['users', 'create', 'jops', '--role', 'operator', '--password-stdin'],
      'users set': ['users', 'set', 'jops', '--display-name', 'J. Ops'],
      login: ['login', t.url, '-u', 'admin', '--password-stdin'],
      passwd: ['passwd', '--password-stdin'],
      'users delete': ['users', 'delete', 'jdev', '--yes'],
      'channels remove': ['channels', 'remove', 'conv-hook', '--yes'],
      'apps delete': ['apps', 'delete', DOOMED, '--yes'],
      logout: ['logout'],
    };
    const input: Record<string, string> = {
      'users create': 'operator-password-1\n',
      'channels add': 'conv-webhook-secret-0123\n',
      login: `${ADMIN_PASSWORD}\n`,
      passwd: `${ADMIN_PASSWORD}\n${NEW_PASSWORD}\n`,
    };
    expect(Object.keys(commands).sort()).toEqual([...declared].sort());
    for (const [name, argv] of Object.entries(commands)) {
      const res = await ok([...argv, '--json'], { input: input[name] ?? '' });
      expect(res.stdout, name).not.toBe('');
      const documents = NDJSON.has(name) ? res.stdout.trimEnd().split('\n') : [res.stdout];
      for (const document of documents) {
        expect(() => JSON.parse(document), `${name}: ${document}`).not.toThrow();
        expect(typeof JSON.parse(document), name).toBe('object');
      }
    }
  }, 120_000);
});
