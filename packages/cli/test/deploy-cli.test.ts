// The deploy-loop commands without a server: argument checks (exit 2 before any credentials are
// looked at), help, and no upload (nor `open`) without credentials.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliHome, closedPort } from './support/cli.ts';
import { createInProcessCli } from './support/in-process.ts';

describe('berth deploy-loop commands without a server', () => {
  let cli: CliHome;
  beforeAll(() => {
    cli = createInProcessCli();
  });
  afterAll(() => cli?.remove());

  it('exits 2 on usage errors, before asking for credentials or a server', async () => {
    const cases: string[][] = [
      ['deploy'],
      ['deploy', '--app', 'x', '--env', 'qa'],
      ['deploy', 'a', 'b', '--app', 'x'],
      ['deploy', '/nonexistent/berth-dir', '--app', 'x'],
      ['deploy', '--app', 'x', '--bogus'],
      ['releases'],
      ['releases', 'extra', '--app', 'x'],
      ['rollback', '--app', 'x', 'latest'],
      ['rollback', 'v0', '--app', 'x'],
      ['rollback', '1', '2', '--app', 'x'],
      ['promote'],
      ['promote', '--app', 'x', '--env', 'prod'],
      ['scale', '--app', 'x'],
      ['scale', 'web=2'],
      ['scale', 'web', '--app', 'x'],
      ['scale', 'web=-1', '--app', 'x'],
      ['scale', 'Web=1', '--app', 'x'],
      ['scale', 'web=1', 'web=2', '--app', 'x'],
      ['ps'],
      ['ps', '--app', 'x', '--env', 'test'],
      ['restart'],
      ['stop', '--env', 'prod'],
      ['start', 'now', '--app', 'x'],
      ['logs'],
      ['logs', '--app', 'x', '--since', 'yesterday'],
      ['logs', '--app', 'x', '-n', '0'],
      ['logs', '--app', 'x', 'web'],
      ['open'],
      ['open', '--app', 'x', '--env', 'qa'],
      ['deploys'],
      ['deploys', '--env', 'prod'],
      ['deploys', 'cancel'],
      ['deploys', 'cancel', 'a', 'b'],
      ['deploys', 'logs'],
      ['deploys', 'frobnicate'],
    ];
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases.slice(i, i + 4);
      const results = await Promise.all(batch.map((args) => cli.run(args)));
      batch.forEach((args, j) => {
        expect({ args, code: results[j]!.code }).toEqual({ args, code: 2 });
        expect(results[j]!.stderr).toMatch(/^berth: [^\n]+ \(USAGE\)\n$/m);
      });
    }
  });

  it('lists the new commands in the help, with --env defaulting to stag', async () => {
    const top = await cli.run(['--help']);
    expect(top.code).toBe(0);
    const commands = ['deploy', 'deploys', 'releases', 'rollback', 'promote', 'scale', 'ps'];
    for (const name of [...commands, 'restart', 'stop', 'start', 'logs', 'open']) {
      expect(top.stdout).toMatch(new RegExp(`^  ${name}\\s`, 'm'));
    }
    for (const name of ['deploy', 'releases', 'rollback', 'scale', 'ps', 'restart', 'logs', 'open']) {
      const help = await cli.run([name, '--help']);
      expect({ name, code: help.code }).toEqual({ name, code: 0 });
      expect(help.stdout).toContain('(default: stag)');
    }
    expect((await cli.run(['deploy', '--help'])).stdout).toContain('.berthignore');
    expect((await cli.run(['deploys', 'cancel', '--help'])).stdout).toContain(
      'Usage: berth deploys cancel ID',
    );
  });

  it('open asks the server where the apps origin serves the app: exits 3 without credentials, 4 without a server', async () => {
    const nowhere = await cli.run(['open', '--app', 'hello']);
    expect(nowhere.code).toBe(3);
    expect(nowhere.stderr).toMatch(/\(NOT_LOGGED_IN\)\n$/);
    const port = await closedPort();
    const down = await cli.run(['open', '--app', 'hello'], {
      env: { BERTH_URL: `http://127.0.0.1:${port}`, BERTH_TOKEN: 'berth_x' },
    });
    expect(down.code).toBe(4);
    expect(down.stdout).toBe('');
  });

  it('deploy exits 3 without credentials and 4 when the server is down', async () => {
    const missing = await cli.run(['deploy', '.', '--app', 'hello']);
    expect(missing.code).toBe(3);
    expect(missing.stdout).toBe('');
    fs.writeFileSync(path.join(path.dirname(cli.configHome), 'app.js'), 'console.log(1);\n');
    const port = await closedPort();
    const down = await cli.run(['deploy', '.', '--app', 'hello'], {
      env: { BERTH_URL: `http://127.0.0.1:${port}`, BERTH_TOKEN: 'berth_whatever' },
    });
    expect(down.code).toBe(4);
    expect(down.stdout).toBe('');
    expect(down.stderr).toMatch(/^Packed \d+ files? from \. \(.+\); uploading\.\n/);
    expect(down.stderr).toContain(`http://127.0.0.1:${port}/api/v1/apps/hello/envs/stag/deploys`);
  });
});
