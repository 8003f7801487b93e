// `berth run` against a real berthd (process runtime): in-process through `run(argv, io)` for the
// output, the exit codes and the refusals; as a real child process for Ctrl-C, which must end the
// CLI with 130 and kill the run on the server with everything it started.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { processGroupMembers } from '../../server/src/runtime/process/proc.ts';
import { type EngineFixture, startEngineFixture, tinyApp } from '../../server/test/engine/support.ts';
import { EXIT } from '../src/errors.ts';
import { type CliHome, createCliHome } from './support/cli.ts';
import { runInProcess } from './support/in-process.ts';

const APP = 'clirun';

describe('berth run', () => {
  let f: EngineFixture;
  let env: Record<string, string>;
  let home: CliHome;
  const configHome = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-run-'));

  const cli = (argv: string[]) => runInProcess(argv, { env: { XDG_CONFIG_HOME: configHome, ...env } });

  beforeAll(async () => {
    f = await startEngineFixture('sqlite');
    await f.createApp(APP);
    await f.deploy(APP, 'stag', await tinyApp({ text: 'from the manifest' }));
    const token = await f.api('POST', '/api/v1/me/tokens', { name: 'run-test' });
    expect(token.status, JSON.stringify(token.body)).toBe(201);
    env = { BERTH_URL: f.t.url, BERTH_TOKEN: token.body.secret };
    home = createCliHome();
  }, 120_000);

  afterAll(async () => {
    await f?.stop();
    home?.remove();
    fs.rmSync(configHome, { recursive: true, force: true });
  });

  it("prints the command's stdout and stderr and exits with its code", async () => {
    const res = await cli(['run', '--app', APP, '--', 'sh', '-c', 'echo "$TEXT"; echo err >&2; exit 7']);
    expect(res).toEqual({ code: 7, stdout: 'from the manifest\n', stderr: 'err\n' });
    const ok = await cli(['run', '--app', APP, '--', 'true']);
    expect(ok.code).toBe(0);
  });

  it('exits 128 + N for a command killed by signal N', async () => {
    const res = await cli(['run', '--app', APP, '--', 'sh', '-c', 'kill -9 $$']);
    expect(res.code).toBe(128 + os.constants.signals.SIGKILL);
  });

  it("keeps berth's exit codes for its own errors", async () => {
    const usage = await cli(['run', '--app', APP]);
    expect(usage.code).toBe(EXIT.usage);
    expect(usage.stderr).toMatch(/missing arguments; usage: berth run --app CODE/);
    const noApp = await cli(['run', '--', 'true']);
    expect(noApp.code).toBe(EXIT.usage);
    await f.createApp('clirunempty');
    const empty = await cli(['run', '--app', 'clirunempty', '--', 'true']);
    expect(empty.code).toBe(EXIT.api);
    expect(empty.stderr).toMatch(/\(NO_CURRENT_RELEASE\)\n$/);
    const missing = await cli(['run', '--app', APP, '--', 'no-such-program-here']);
    expect(missing.code).toBe(EXIT.api);
    expect(missing.stderr).toMatch(/\(RUNTIME_START_FAILED\)\n$/);
  });

  it('Ctrl-C exits 130 and kills the run on the server', async () => {
    const child = home.spawn(['run', '--app', APP, '--', 'sh', '-c', 'echo "group $$"; sleep 1000 & wait'], {
      env,
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await vi.waitFor(() => expect(out).toMatch(/group \d+\n/), { timeout: 30_000 });
    const pgid = Number(/group (\d+)/.exec(out)?.[1]);
    expect(processGroupMembers(pgid).length).toBeGreaterThan(0);
    child.kill('SIGINT');
    expect(await exited).toBe(EXIT.interrupted);
    await vi.waitFor(() => expect(processGroupMembers(pgid)).toEqual([]), { timeout: 10_000 });
  }, 60_000);
});
