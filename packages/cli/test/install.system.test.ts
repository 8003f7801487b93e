// The CLI as a workstation gets it: `npm pack -w packages/cli`, installed with `npm install -g` into
// an empty prefix offline (nothing from a registry), then run from there, with its own HOME and a
// PATH that has node but none of the repository's node_modules, to log in to a real berthd and
// deploy examples/node-hello, which then answers through the gateway. The same package, downloaded
// from berthd's /downloads/berth-cli.tgz, installs the same way.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import { type CliResult, closedPort, outcome } from './support/cli.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXAMPLE = path.join(ROOT, 'examples/node-hello');
/** node and npm, and the system's tools; not the repository's node_modules/.bin. */
const PATH = [path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');

function exec(
  command: string,
  args: string[],
  options: { env: Record<string, string>; cwd: string; input?: string },
): Promise<CliResult> {
  return outcome(spawn(command, args, { env: options.env, cwd: options.cwd }), options.input);
}

function expectOk(result: CliResult): CliResult {
  expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
  return result;
}

/** A machine without Berth's checkout: an empty home, npm's cache and config in it, this PATH. */
function workstation(root: string) {
  const home = path.join(root, 'home');
  fs.mkdirSync(home, { recursive: true });
  const env = {
    PATH,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    npm_config_cache: path.join(home, '.npm'),
    npm_config_userconfig: path.join(home, '.npmrc'),
    npm_config_update_notifier: 'false',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
  };
  return {
    home,
    /** npm as the user runs it, from PATH. */
    npm: (args: string[]) => exec('npm', args, { env, cwd: home }),
    /** Installs `spec` with `npm install -g` into an empty prefix; returns the installed `berth`. */
    async install(spec: string, extra: string[] = []): Promise<string> {
      const prefix = path.join(root, 'prefix');
      fs.mkdirSync(prefix);
      expectOk(await this.npm(['install', '-g', '--prefix', prefix, ...extra, spec]));
      return path.join(prefix, 'bin', 'berth');
    },
    berth: (bin: string, args: string[], input?: string) =>
      exec(bin, args, { env, cwd: home, ...(input === undefined ? {} : { input }) }),
  };
}

describe('the @berth/cli package', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-install-'));
  let tarball: string;
  let t: TestBerthd;

  beforeAll(async () => {
    const packed = await exec(
      'npm',
      ['pack', '-w', 'packages/cli', '--pack-destination', work, '--json', '--loglevel=error'],
      { env: { PATH, HOME: os.homedir() }, cwd: ROOT },
    );
    expect(packed.code, packed.stderr).toBe(0);
    const [{ filename, files }] = JSON.parse(packed.stdout);
    // The bundle and the manifest, nothing else: no sources, no tests, no dependencies to fetch.
    expect(files.map((f: { path: string }) => f.path).sort()).toEqual([
      'bin/berth.mjs',
      'dist/berth.mjs',
      'package.json',
    ]);
    tarball = path.join(work, path.basename(filename));
    t = await startTestBerthd({ env: { BERTH_CLI_PACKAGE: tarball } });
  }, 180_000);
  afterAll(async () => {
    await t?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('installs offline into an empty prefix, logs in and deploys an example that answers', async () => {
    const machine = workstation(path.join(work, 'offline'));
    const berth = await machine.install(tarball, ['--offline']);
    const manifest = JSON.parse(
      fs.readFileSync(path.join(path.dirname(berth), '../lib/node_modules/@berth/cli/package.json'), 'utf8'),
    );
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(fs.readdirSync(path.join(path.dirname(berth), '../lib/node_modules/@berth/cli'))).not.toContain(
      'node_modules',
    );

    expect(expectOk(await machine.berth(berth, ['--version'])).stdout).toBe(`berth ${manifest.version}\n`);
    expectOk(
      await machine.berth(berth, ['login', t.url, '-u', 'admin', '--password-stdin'], `${ADMIN_PASSWORD}\n`),
    );
    expect(expectOk(await machine.berth(berth, ['whoami'])).stdout).toContain('admin');
    // Its credentials are in the workstation's home, nowhere else.
    expect(fs.existsSync(path.join(machine.home, '.config/berth/config.json'))).toBe(true);

    expectOk(await machine.berth(berth, ['apps', 'create', 'hello', '--name', 'Hello']));
    const app = path.join(machine.home, 'node-hello');
    fs.cpSync(EXAMPLE, app, { recursive: true });
    const deployed = expectOk(await machine.berth(berth, ['deploy', app, '--app', 'hello']));
    const url = `${t.appsUrl}/t/hello/`;
    expect(deployed.stdout.endsWith(`Deployed v1 to ${url}\n`)).toBe(true);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Hello from Berth');
  }, 300_000);

  it('installs from berthd’s /downloads/berth-cli.tgz with no registry to ask', async () => {
    const served = Buffer.from(await (await fetch(`${t.url}/downloads/berth-cli.tgz`)).arrayBuffer());
    expect(served.equals(fs.readFileSync(tarball))).toBe(true);

    const machine = workstation(path.join(work, 'download'));
    // A registry nobody answers at: the install must not need one.
    const registry = `http://127.0.0.1:${await closedPort()}/`;
    const berth = await machine.install(`${t.url}/downloads/berth-cli.tgz`, ['--registry', registry]);
    expect(expectOk(await machine.berth(berth, ['--version'])).stdout).toMatch(/^berth \d+\.\d+\.\d+\n$/);
    const login = await machine.berth(
      berth,
      ['login', t.url, '-u', 'admin', '--password-stdin'],
      `${ADMIN_PASSWORD}\n`,
    );
    expect(expectOk(login).stdout).toBe(`Logged in to ${t.url} as admin\n`);
  }, 300_000);
});
