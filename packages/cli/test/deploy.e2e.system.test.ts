// The deploy loop end to end: the `berth` CLI (in-process; the real process where Ctrl-C is tested)
// deploys examples/node-hello to a real berthd, then the app answers at the URL `berth open` prints; releases, scale, ps, logs, rollback and the
// deploy history follow. Skipped, with the reason printed, while berthd does not serve the engine.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDialects } from '../../server/test/support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import type { CliHome, CliResult } from './support/cli.ts';
import { createInProcessCli } from './support/in-process.ts';

const EXAMPLE = fileURLToPath(new URL('../../../examples/node-hello', import.meta.url));
function expectOk(result: CliResult): CliResult {
  expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
  return result;
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.each(systemDialects())('berth deploy loop against berthd on %s', (dialect) => {
  let t: TestBerthd;
  let cli: CliHome;
  let work: string;
  let appDir: string;

  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
    cli = createInProcessCli();
    expectOk(
      await cli.run(['login', t.url, '-u', 'admin', '--password-stdin'], { input: `${ADMIN_PASSWORD}\n` }),
    );
    expectOk(await cli.run(['apps', 'create', 'hello', '--name', 'Hello']));
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-'));
    appDir = path.join(work, 'node-hello');
    fs.cpSync(EXAMPLE, appDir, { recursive: true });
    // Not part of the app: the packer must leave these out.
    fs.writeFileSync(path.join(appDir, '.gitignore'), 'scratch/\n');
    fs.mkdirSync(path.join(appDir, 'scratch'));
    fs.writeFileSync(path.join(appDir, 'scratch', 'notes.txt'), 'ignored');
  });
  afterAll(async () => {
    await t?.stop();
    cli?.remove();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('deploys node-hello, serves it, and lists, scales, shows, logs and rolls back', async () => {
    // Served on the apps origin, which is not the server the CLI talks to.
    const stagUrl = `${t.appsUrl}/t/hello/`;
    expect(t.appsUrl).not.toBe(t.url);
    const deployed = expectOk(await cli.run(['deploy', appDir, '--app', 'hello', '--description', 'first']));
    expect(deployed.stderr).toMatch(/^Packed 5 files from .+ \(.+\); uploading\.\n/);
    expect(deployed.stdout.endsWith(`Deployed v1 to ${stagUrl}\n`)).toBe(true);

    const open = expectOk(await cli.run(['open', '--app', 'hello']));
    expect(open.stdout).toBe(`${stagUrl}\n`);
    const page = await fetch(stagUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Hello from Berth');

    const releases = JSON.parse(expectOk(await cli.run(['releases', '--app', 'hello', '--json'])).stdout);
    expect(releases.releases).toHaveLength(1);
    expect(releases.releases[0]).toMatchObject({ version: 1, current: true, description: 'first' });
    expect(expectOk(await cli.run(['releases', '--app', 'hello'])).stdout).toMatch(/^\*v1\s+ready\s/m);

    const scaled = expectOk(await cli.run(['scale', 'web=1', '--app', 'hello']));
    expect(scaled.stdout).toContain('Scaled hello/stag: web=1\n');
    const ps = JSON.parse(expectOk(await cli.run(['ps', '--app', 'hello', '--json'])).stdout);
    const web = ps.instances.filter(
      (i: { processType: string; healthy: boolean }) => i.processType === 'web',
    );
    expect(web.filter((i: { healthy: boolean }) => i.healthy)).toHaveLength(1);
    expect(web[0]).toMatchObject({ release: 1 });
    expect(expectOk(await cli.run(['ps', '--app', 'hello'])).stdout).toMatch(/\sweb\s+v1\s/);

    const logged = await eventually('the app’s start line in berth logs', async () => {
      const result = await cli.run(['logs', '--app', 'hello', '--process', 'web', '--grep', 'listening']);
      return result.code === 0 && result.stdout.includes('node-hello listening') ? result : undefined;
    });
    expect(logged.stdout).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ web\/\S+: node-hello listening on /m);

    // A second release with another greeting, then back to the first.
    const manifest = path.join(appDir, 'berth.yaml');
    fs.writeFileSync(
      manifest,
      fs.readFileSync(manifest, 'utf8').replace('Hello from Berth', 'Second release'),
    );
    const second = expectOk(await cli.run(['deploy', appDir, '--app', 'hello']));
    expect(second.stdout.endsWith(`Deployed v2 to ${stagUrl}\n`)).toBe(true);
    expect(await (await fetch(stagUrl)).text()).toContain('Second release');

    const rolled = expectOk(await cli.run(['rollback', '1', '--app', 'hello']));
    expect(rolled.stdout).toMatch(/Rolled back hello\/stag: v\d+ runs at /);
    expect(await (await fetch(stagUrl)).text()).toContain('Hello from Berth');

    const history = JSON.parse(expectOk(await cli.run(['deploys', '--app', 'hello', '--json'])).stdout);
    expect(history.deploys.map((d: { kind: string; status: string }) => [d.kind, d.status])).toEqual([
      ['rollback', 'succeeded'],
      ['build', 'succeeded'],
      ['scale', 'succeeded'],
      ['build', 'succeeded'],
    ]);
    const first = history.deploys.at(-1).id as string;
    const log = expectOk(await cli.run(['deploys', 'logs', first]));
    expect(log.stdout).not.toBe('');
  }, 300_000);

  it('exits 1 with the error when a deploy fails', async () => {
    const broken = path.join(work, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(
      path.join(broken, 'berth.yaml'),
      'runtime: node\nprocesses:\n  web:\n    command: node missing.js\n',
    );
    fs.writeFileSync(path.join(broken, 'package.json'), '{"name":"broken","version":"1.0.0"}\n');
    const result = await cli.run(['deploy', broken, '--app', 'hello']);
    expect(result.code).toBe(1);
    // The command ends with the code the deploy failed with.
    expect(result.stderr).toMatch(/^berth: deploy \S+ failed \(see its log above\) \(INSTANCE_CRASHED\)\n$/m);
    // The error is printed once (in the log), without the job queue's own attempt lines; its code
    // also ends the last line.
    const output = result.stdout + result.stderr;
    expect(output.match(/INSTANCE_CRASHED/g)).toHaveLength(2);
    expect(output).not.toMatch(/attempt \d+\/\d+|not retryable/);
    // The release from before keeps serving.
    expect((await fetch(`${t.appsUrl}/t/hello/`)).status).toBe(200);
  }, 300_000);

  it('Ctrl-C stops following only; the deploy goes on until berth deploys cancel stops it', async () => {
    // An app that takes a minute to answer its health check keeps its deploy running.
    const slow = path.join(work, 'slow');
    fs.mkdirSync(slow);
    fs.writeFileSync(
      path.join(slow, 'berth.yaml'),
      'runtime: node\nprocesses:\n  web:\n    command: node slow.js\n    count: 1\nhealth:\n  path: /healthz\n  startTimeout: 120s\n',
    );
    fs.writeFileSync(path.join(slow, 'package.json'), '{"name":"slow","version":"1.0.0"}\n');
    fs.writeFileSync(
      path.join(slow, 'slow.js'),
      "import http from 'node:http';\nsetTimeout(() => http.createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT)), 60000);\n",
    );
    const child = cli.spawn(['deploy', slow, '--app', 'hello']);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8');
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The followed log is progress: it arrives on stderr.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the instance never started; ${stdout} ${stderr}`)),
        60_000,
      );
      child.stderr.on('data', (d: string) => {
        stderr += d;
        if (/Started hello-stag-/.test(stderr)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    const id = /Deploy (dep_\S+) \(build of hello\/stag\)/.exec(stderr)?.[1];
    expect(id).toBeDefined();
    expect(stderr).toMatch(
      new RegExp(
        `^berth: stopped following; deploy ${id} goes on on the server .*'berth deploys cancel ${id}'.* \\(INTERRUPTED\\)\\n$`,
        'm',
      ),
    );
    const running = JSON.parse(expectOk(await cli.run(['deploys', 'info', id!, '--json'])).stdout);
    expect(running.deploy.status).toBe('running');

    expectOk(await cli.run(['deploys', 'cancel', id!]));
    const cancelled = await eventually('the deploy to be cancelled', async () => {
      const info = JSON.parse((await cli.run(['deploys', 'info', id!, '--json'])).stdout);
      return info.deploy.status === 'running' ? undefined : info.deploy;
    });
    expect(cancelled.status).toBe('cancelled');
  }, 300_000);

  it('logs -f prints new lines as they come until Ctrl-C', async () => {
    const child = cli.spawn(['logs', '--app', 'hello', '-f']);
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Once the stream is open, make the app write a fresh start line.
    await eventually('the log stream to open', async () =>
      stderr.includes('Following the logs') ? true : undefined,
    );
    expect(stderr).toBe('Following the logs of hello/stag; Ctrl-C stops.\n');
    expectOk(await cli.run(['restart', '--app', 'hello']));
    await eventually('a start line on the followed log', async () =>
      stdout.includes('node-hello listening') ? true : undefined,
    );
    // Ctrl-C exits 130, like every command.
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stdout).toMatch(/ web\/\S+: node-hello listening on /);
  }, 120_000);
});
