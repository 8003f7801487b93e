// Failures explain themselves (issue 11), through a real berthd with real apps: a crashing app's
// last lines (secrets masked) and exit code reach the deploy log and the deploy fails with
// INSTANCE_CRASHED; a health check that fails says what it probed and what answered, names $PORT
// when the app listens elsewhere and points at health.path on a 5xx; the logs API reads replaced
// and crashed instances; a failed build takes no release number. The process runtime always; the
// Docker runtime with BERTH_TEST_DOCKER=1 (app codes start with `fld`, removed afterwards).
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKER_SKIP_REASON, dockerEnabled, removeAppNetworks } from '../runtime/docker-fixtures.ts';
import { testDialects } from '../support/databases.ts';
import { type EngineFixture, packFiles, startEngineFixture, tinyApp } from './support.ts';

const SECRET_VALUE = 'hunter2-very-secret-token';

const yaml = (lines: string[]) => `${lines.join('\n')}\n`;
const manifest = (command: string, extra: string[] = []) =>
  yaml([
    'runtime: node',
    'processes:',
    '  web:',
    `    command: ${command}`,
    '    count: 1',
    'health:',
    '  path: /healthz',
    ...extra,
  ]);

/** Prints a few lines (one with a secret config var, one with the app secret) and exits 3. */
const CRASHING = `
console.log('booting the crashing app');
console.log('connecting with token ' + process.env.API_TOKEN);
console.error('app secret is ' + process.env.BERTH_APP_SECRET);
console.error('fatal: cannot reach the database');
process.exit(3);
`;

/** Says it listens on 3000 but listens nowhere (an app that ignores $PORT). */
const WRONG_PORT = `
console.log('listening on 3000');
setInterval(() => {}, 1000);
process.on('SIGTERM', () => process.exit(0));
`;

const crashingApp = () =>
  packFiles({
    'package.json': JSON.stringify({ name: 'crash', version: '1.0.0', private: true }),
    'crash.js': CRASHING,
    'berth.yaml': manifest('node crash.js', ['  startTimeout: 120s']),
  });

const wrongPortApp = () =>
  packFiles({
    'package.json': JSON.stringify({ name: 'port', version: '1.0.0', private: true }),
    'port.js': WRONG_PORT,
    'berth.yaml': manifest('node port.js', ['  startTimeout: 7s']),
  });

async function setSecret(f: EngineFixture, code: string, env: string): Promise<void> {
  const res = await f.api('PATCH', `/api/v1/apps/${code}/envs/${env}/config`, {
    set: [{ name: 'API_TOKEN', value: SECRET_VALUE, secret: true }],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function failedDeploy(
  f: EngineFixture,
  code: string,
  pkg: Buffer,
  // biome-ignore lint/suspicious/noExplicitAny: wire JSON
): Promise<{ deploy: any; log: string }> {
  const created = await f.upload(code, 'stag', pkg);
  const deploy = await f.waitDeploy(created.id, 180_000);
  expect(deploy.status).toBe('failed');
  const log = await f.logsOf(deploy.id);
  if (process.env['SHOW_LOGS'])
    process.stdout.write(`\n==== ${code}: ${JSON.stringify(deploy.error)}\n${log}\n`);
  return { deploy, log };
}

/** Checks shared by both runtimes: the crash is explained, the secrets are not shown. */
async function expectCrashExplained(f: EngineFixture, code: string): Promise<void> {
  await f.createApp(code);
  await setSecret(f, code, 'stag');
  const appSecret = (await f.api('GET', `/api/v1/apps/${code}/secret`)).body.secret as string;
  const { deploy, log } = await failedDeploy(f, code, await crashingApp());
  expect(deploy.error?.code).toBe('INSTANCE_CRASHED');
  expect(deploy.error?.message).toMatch(/exit code 3/);
  expect(log).toContain('fatal: cannot reach the database');
  expect(log).toContain('booting the crashing app');
  expect(log).toContain('connecting with token ********');
  expect(log).toContain('app secret is ********');
  expect(log).toMatch(/exit code 3/);
  for (const text of [log, deploy.error?.message ?? '']) {
    expect(text).not.toContain(SECRET_VALUE);
    expect(text).not.toContain(appSecret);
  }
  // The first deploy had nothing serving before it; the job queue's own lines are not shown.
  expect(log).not.toMatch(/previous release/i);
  expect(log).not.toMatch(/attempt \d+\/\d+|not retryable/);
  expect(log.match(/INSTANCE_CRASHED/g)).toHaveLength(1);
  // The logs API reads the crashed (and stopped) instance's lines.
  const lines = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/logs?q=fatal`)).body.lines;
  expect(lines.length).toBeGreaterThan(0);
  expect(lines[0]).toMatchObject({ process: 'web', line: 'fatal: cannot reach the database' });
  expect(lines[0].instance).toMatch(new RegExp(`^${code}-stag-v1-web-1-`));
  expect(await f.t.berthd.runtime.list({ app: code })).toEqual([]);
}

async function expectWrongPortExplained(f: EngineFixture, code: string, port: RegExp): Promise<void> {
  await f.createApp(code);
  const { deploy, log } = await failedDeploy(f, code, await wrongPortApp());
  expect(deploy.error?.code).toBe('HEALTH_CHECK_FAILED');
  expect(deploy.error?.message).toMatch(/did not pass its health check GET \/healthz/);
  expect(deploy.error?.message).toMatch(port);
  expect(deploy.error?.message).toContain('listening on 3000');
  // Progress while waiting: what is probed and what answered.
  // (Docker's port forwarder resets the connection where nothing listens.)
  expect(log).toMatch(/web\.1 \(.+\): GET \/healthz on port \d+: connection (refused|reset)/);
  expect(log).toContain('Likely cause: nothing listens on $PORT=');
  expect(log).toContain('       listening on 3000');
}

/** Serves `${TEXT} v${BERTH_RELEASE}` on $HOST:$PORT (a container's HOST is not the loopback) and
 *  logs each request. */
const SERVING = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  if (req.url !== '/healthz') console.log('request ' + req.url);
  res.end(req.url === '/healthz' ? 'ok' : process.env.TEXT + ' v' + process.env.BERTH_RELEASE);
});
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('listening on ' + process.env.PORT));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const servingApp = (text: string) =>
  packFiles({
    'package.json': JSON.stringify({ name: 'serving', version: '1.0.0', private: true }),
    'serve.js': SERVING,
    'berth.yaml': manifest('node serve.js', ['  startTimeout: 30s', 'env:', `  TEXT: ${text}`]),
  });

/** The logs API reads a replaced instance's lines after a redeploy. */
async function expectReplacedLogs(f: EngineFixture, code: string): Promise<void> {
  await f.createApp(code);
  await f.deploy(code, 'stag', await servingApp('first'));
  expect((await f.get(`/t/${code}/marker-of-v1`)).text).toBe('first v1');
  await f.deploy(code, 'stag', await servingApp('second'));
  const running = await f.t.berthd.runtime.list({ app: code });
  expect(running.map((i) => i.release)).toEqual([2]);
  const lines = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/logs?q=marker-of-v1`)).body.lines;
  expect(lines).toHaveLength(1);
  expect(lines[0].instance).toMatch(new RegExp(`^${code}-stag-v1-web-`));
  expect(lines[0].line).toBe('request /marker-of-v1');
  const all = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/logs`)).body.lines as Array<{
    instance: string;
  }>;
  const releases = new Set(all.map((l) => /-v(\d+)-web-/.exec(l.instance)?.[1]));
  expect([...releases].sort()).toEqual(['1', '2']);
}

describe('failures explained (process runtime)', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await startEngineFixture('sqlite');
  }, 60_000);
  afterAll(async () => f?.stop(), 60_000);

  it('a crashing app: INSTANCE_CRASHED, its last lines with secrets masked, its exit code', async () => {
    await expectCrashExplained(f, 'flcrash');
  }, 240_000);

  it('an app on the wrong port: the health failure names $PORT and the port it printed', async () => {
    await expectWrongPortExplained(f, 'flport', /\$PORT=\d+/);
  }, 120_000);

  it('an app answering 500: the failure points at health.path', async () => {
    const code = 'flsick';
    await f.createApp(code);
    const pkg = await tinyApp({
      berthYaml: manifest('node server.js', ['  startTimeout: 4s', 'env:', '  UNHEALTHY: "1"']),
    });
    const { deploy, log } = await failedDeploy(f, code, pkg);
    expect(deploy.error?.message).toMatch(/last answer: status 500/);
    expect(deploy.error?.message).toMatch(/health\.path/);
    expect(log).toContain("The health check's last answer: status 500");
    expect(log).toMatch(/Likely cause: GET \/healthz answered 500: .*health\.path/);
    // The app's own output is shown too.
    expect(log).toMatch(/ {7}listening on \d+/);
  }, 120_000);
});

// What reads and writes the store (instance history, release numbers) runs on every dialect.
describe.each(testDialects())('failures explained in the store on %s', (dialect) => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await startEngineFixture(dialect);
  }, 60_000);
  afterAll(async () => f?.stop(), 60_000);

  it('the logs API reads the lines of replaced instances after a redeploy', async () => {
    await expectReplacedLogs(f, 'fllogs');
  }, 120_000);

  it('a failed build takes no release number and makes no release', async () => {
    const code = 'flbuild';
    await f.createApp(code);
    await f.deploy(code, 'stag', await tinyApp({ text: 'good' }));
    const broken = await tinyApp({
      berthYaml: yaml([
        'runtime: node',
        'build: node build.js',
        'processes:',
        '  web:',
        '    command: node server.js',
      ]),
      extra: { 'build.js': "console.error('the build is broken'); process.exit(2);" },
    });
    const { deploy, log } = await failedDeploy(f, code, broken);
    expect(deploy.error.code).toBe('BUILD_FAILED');
    expect(log).toContain('the build is broken');
    expect(log).toContain('The previous release (v1) keeps serving');
    expect(log).not.toMatch(/attempt \d+\/\d+|not retryable/);
    expect(deploy.release).toBeUndefined();
    const releases = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/releases`)).body.releases;
    expect(releases.map((r: { version: number }) => r.version)).toEqual([1]);
    // Still visible as a failed deploy.
    const deploys = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/deploys`)).body.deploys;
    expect(deploys.map((d: { status: string }) => d.status)).toEqual(['failed', 'succeeded']);
    expect(deploys[0].error.code).toBe('BUILD_FAILED');
    // The deploy's job carries the same code.
    const job = (await f.api('GET', `/api/v1/jobs/${deploy.jobId}`)).body.job;
    expect(job.error.code).toBe('BUILD_FAILED');
    // The next good deploy is v2.
    const next = await f.deploy(code, 'stag', await tinyApp({ text: 'better' }));
    expect(next.release).toBe(2);
    expect((await f.get(`/t/${code}/`)).text).toBe('better v2');
  }, 180_000);
});

if (!dockerEnabled) {
  describe('failures explained (Docker runtime)', () => {
    it.skip(`crash and wrong port on Docker (skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
} else {
  const docker = new Docker();
  const CODES = ['fldcrash', 'fldport', 'fldlogs'];
  const removeLeftovers = async () => {
    const containers = await docker.listContainers({ all: true, filters: { label: ['berth.app'] } });
    for (const c of containers) {
      if (CODES.includes(c.Labels['berth.app'] ?? ''))
        await docker.getContainer(c.Id).remove({ force: true });
    }
    await removeAppNetworks(docker, CODES);
  };

  describe('failures explained (Docker runtime)', () => {
    let f: EngineFixture;
    beforeAll(async () => {
      await removeLeftovers();
      f = await startEngineFixture('sqlite', { BERTH_RUNTIME: 'docker', BERTH_STOP_GRACE: '2s' });
    }, 60_000);
    afterAll(async () => {
      await f?.stop();
      await removeLeftovers();
    }, 120_000);

    it('a crashing app: INSTANCE_CRASHED, its last lines with secrets masked, its exit code', async () => {
      await expectCrashExplained(f, 'fldcrash');
    }, 600_000);

    it('the logs API reads the lines of replaced instances after a redeploy', async () => {
      await expectReplacedLogs(f, 'fldlogs');
    }, 600_000);

    it('an app on the wrong port: the health failure names $PORT=8080 and 3000', async () => {
      await expectWrongPortExplained(f, 'fldport', /\$PORT=8080/);
    }, 600_000);
  });
}
