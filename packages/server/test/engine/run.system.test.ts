// `berth run` on the process runtime, through the API: a one-off process in the environment's
// current release with its config and run identity, output streamed as it comes, the exit code
// passed on, killed with its whole process group when the client hangs up or its time runs out,
// capped per app, refused without rights or without a release, and recorded in the audit log with
// secret values masked.
import { SECRET_MASK } from '@berth/sdk';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { processGroupMembers, readProcStat } from '../../src/runtime/process/proc.ts';
import { type RunSession, startRun } from './run-client.ts';
import { type EngineFixture, startEngineFixture, tinyApp } from './support.ts';

const APP = 'runner';
const SECRET = 'run-secret-value-4711';

describe('one-off runs on the process runtime', () => {
  let f: EngineFixture;
  const open: RunSession[] = [];
  const asAdmin = () => ({ cookie: `${f.t.cookieName}=${f.cookie}` });
  const run = async (command: string[], headers = asAdmin(), app = APP) => {
    const session = await startRun(f.t.url, headers, app, 'stag', command);
    open.push(session);
    return session;
  };

  beforeAll(async () => {
    f = await startEngineFixture('sqlite', { BERTH_RUNS_PER_APP: '2', BERTH_RUN_TIMEOUT: '3s' });
    await f.createApp(APP);
    const config = await f.api('PATCH', `/api/v1/apps/${APP}/envs/stag/config`, {
      set: [
        { name: 'GREETING', value: 'hello from config' },
        { name: 'API_KEY', value: SECRET, secret: true },
      ],
    });
    expect(config.status, JSON.stringify(config.body)).toBe(200);
    await f.deploy(APP, 'stag', await tinyApp());
  }, 120_000);

  afterAll(async () => {
    for (const session of open) session.hangUp();
    await f?.stop();
  });

  it('streams stdout and stderr apart and passes the exit code on', async () => {
    const session = await run(['sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(session.status).toBe(200);
    const last = await session.done;
    expect(last).toEqual({ exit: 7, release: 1 });
    expect(session.stdout()).toBe('out\n');
    expect(session.stderr()).toBe('err\n');
  });

  it("runs with the release's config as its run user, in a tree it cannot write", async () => {
    const instanceHome = await f.get(`/t/${APP}/env/HOME`);
    expect(instanceHome.status).toBe(200);
    const script = [
      'echo "greeting=$GREETING"',
      'echo "uid=$(id -u)"',
      'echo "home=$HOME"',
      'echo "release=$BERTH_RELEASE"',
      'touch "$HOME/run-was-here" && echo home-writable',
      'if touch ./run-was-here 2>/dev/null; then echo tree-writable; else echo tree-read-only; fi',
    ].join('; ');
    const session = await run(['sh', '-c', script]);
    expect((await session.done).exit).toBe(0);
    const out = session.stdout();
    expect(out).toContain('greeting=hello from config\n');
    expect(out).toContain('release=1\n');
    const uid = Number(/uid=(\d+)/.exec(out)?.[1]);
    expect(uid).toBeGreaterThan(0);
    // The same identity and home as the environment's instances.
    expect(out).toContain(`home=${instanceHome.text}\n`);
    expect(out).toContain('home-writable\n');
    expect(out).toContain('tree-read-only\n');
    expect(out).not.toContain('tree-writable');
  });

  it('kills the whole process group when the client hangs up, and caps the runs of an app', async () => {
    const session = await run(['sh', '-c', 'echo "group $$"; sleep 1000 & echo "child $!"; wait']);
    // The output arrives while the command still runs.
    await session.waitForStdout('child ');
    const pgid = Number(/group (\d+)/.exec(session.stdout())?.[1]);
    const child = Number(/child (\d+)/.exec(session.stdout())?.[1]);
    expect(processGroupMembers(pgid)).toContain(child);

    const second = await run(['sleep', '1000']);
    expect(second.status).toBe(200);
    const third = await run(['true']);
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('RUNS_LIMIT');
    second.hangUp();

    session.hangUp();
    await vi.waitFor(() => expect(processGroupMembers(pgid)).toEqual([]), { timeout: 10_000 });
    // Gone, or a zombie waiting for whoever adopted it to reap it.
    expect(readProcStat(child)?.state ?? 'gone').toMatch(/^(gone|Z|X)$/);
    // Its places are free again.
    await vi.waitFor(
      async () => {
        const again = await run(['true']);
        expect(again.status).toBe(200);
        expect(await again.done).toEqual({ exit: 0, release: 1 });
      },
      { timeout: 10_000 },
    );
  });

  it('kills a run that outlives BERTH_RUN_TIMEOUT', async () => {
    const session = await run(['sh', '-c', 'echo "group $$"; sleep 1000']);
    const last = await session.done;
    expect(last).toMatchObject({ exit: null, killed: 'timeout', signal: 'SIGKILL' });
    const pgid = Number(/group (\d+)/.exec(session.stdout())?.[1]);
    expect(processGroupMembers(pgid)).toEqual([]);
  }, 30_000);

  it('records each run in the audit log with secret values masked', async () => {
    const session = await run(['sh', '-c', 'exit 3', SECRET]);
    expect((await session.done).exit).toBe(3);
    const audit = await f.api('GET', `/api/v1/audit?action=app.run&targetId=${APP}`);
    expect(audit.status).toBe(200);
    const event = audit.body.events[0];
    expect(event).toMatchObject({ actorName: 'admin', action: 'app.run', targetId: APP });
    expect(event.detail).toEqual({
      env: 'stag',
      release: 1,
      command: ['sh', '-c', 'exit 3', SECRET_MASK],
      exitCode: 3,
    });
    expect(JSON.stringify(audit.body)).not.toContain(SECRET);
  });

  it('refuses users without the right to deploy, and environments without a release', async () => {
    const password = 'a-long-test-password-9';
    for (const [username, role] of [
      ['rundev', 'developer'],
      ['runaud', 'auditor'],
    ] as const) {
      expect((await f.api('POST', '/api/v1/users', { username, password, role })).status).toBe(201);
    }
    const dev = { cookie: `${f.t.cookieName}=${await f.t.login('rundev', password)}` };
    const aud = { cookie: `${f.t.cookieName}=${await f.t.login('runaud', password)}` };
    const outsider = await run(['true'], dev);
    expect(outsider.status).toBe(404);
    expect(outsider.body.error.code).toBe('APP_NOT_FOUND');
    const reader = await run(['true'], aud);
    expect(reader.status).toBe(403);
    expect(reader.body.error.code).toBe('FORBIDDEN');
    expect((await f.api('POST', `/api/v1/apps/${APP}/members`, { username: 'rundev' })).status).toBe(204);
    const member = await run(['true'], dev);
    expect(await member.done).toEqual({ exit: 0, release: 1 });

    await f.createApp('runempty');
    const empty = await run(['true'], asAdmin(), 'runempty');
    expect(empty.status).toBe(409);
    expect(empty.body.error.code).toBe('NO_CURRENT_RELEASE');
    const invalid = await run([], asAdmin());
    expect(invalid.status).toBe(400);
  });

  it('reports a program that does not exist as an error frame', async () => {
    const session = await run(['no-such-program-here']);
    expect(session.status).toBe(200);
    expect((await session.done).error.code).toBe('RUNTIME_START_FAILED');
  });
});
