// `berth jobs` against a real berthd running a test job kind: list, info, logs (and following a
// running job's log until it ends), cancel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDialects } from '../../server/test/support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import type { CliHome } from './support/cli.ts';
import { createInProcessCli } from './support/in-process.ts';

describe.each(systemDialects())('berth jobs against berthd on %s', (dialect) => {
  let t: TestBerthd;
  let cli: CliHome;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });

  beforeAll(async () => {
    t = await startTestBerthd({
      dialect,
      berthd: {
        jobHandlers: {
          'test.cli': async (ctx) => {
            await ctx.log('first line');
            await ctx.log('careful \u001b]0;title\u0007 here', 'warn');
            await gate;
            await ctx.log('last line');
            return { ok: true };
          },
        },
      },
    });
    cli = createInProcessCli();
    const login = await cli.run(['login', t.url, '-u', 'admin', '--password-stdin'], {
      input: `${ADMIN_PASSWORD}\n`,
    });
    expect(login.code).toBe(0);
  });
  afterAll(async () => {
    release();
    await t?.stop();
    cli?.remove();
  });

  it('follows a running job’s log until the job ends, then shows it', async () => {
    const job = await t.berthd.jobs.enqueue('test.cli', { n: 1 });
    const child = cli.spawn(['jobs', 'logs', job.id, '-f']);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The job waits at its gate; the CLI must have printed the first lines and still be following.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no first line; stderr: ${stderr}`)), 30_000);
      child.stdout.on('data', (d: string) => {
        stdout += d;
        if (stdout.includes('here\n')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    expect(child.exitCode).toBeNull();
    release();
    expect(await exited).toBe(0);
    // Control characters from the log are escaped, never sent to the terminal.
    expect(stdout).toBe('first line\n[warn] careful \\x1b]0;title\\x07 here\nlast line\n');
    expect(stderr).toBe('');

    const info = JSON.parse((await cli.run(['jobs', 'info', job.id, '--json'])).stdout);
    expect(info.job).toMatchObject({
      id: job.id,
      kind: 'test.cli',
      status: 'succeeded',
      result: { ok: true },
    });
    expect((await cli.run(['jobs', 'info', job.id])).stdout).toMatch(/^Status:\s+succeeded$/m);

    const lines = (await cli.run(['jobs', 'logs', job.id, '--json'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.seq, l.level, l.line])).toEqual([
      [1, 'info', 'first line'],
      [2, 'warn', 'careful \u001b]0;title\u0007 here'],
      [3, 'info', 'last line'],
    ]);

    const listed = JSON.parse((await cli.run(['jobs', 'list', '--json'])).stdout);
    expect(listed.jobs.map((j: { id: string }) => j.id)).toContain(job.id);
    const table = await cli.run(['jobs', 'list', '--status', 'succeeded', '--kind', 'test.cli']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${job.id}\\s+test\\.cli\\s+succeeded\\s+1/3\\s`, 'm'));

    const again = await cli.run(['jobs', 'cancel', job.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/\(JOB_NOT_CANCELLABLE\)\n$/);
  });

  it('cancels a queued job, and reports unknown jobs', async () => {
    const job = await t.berthd.jobs.enqueue('test.cli', {}, { runAt: Date.now() + 3_600_000 });
    const cancelled = await cli.run(['jobs', 'cancel', job.id]);
    expect(cancelled).toEqual({ code: 0, stdout: `Job ${job.id}: cancelled.\n`, stderr: '' });
    const missing = await cli.run(['jobs', 'info', 'job_doesnotexist']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^berth: .+ \(JOB_NOT_FOUND\)\n$/);
    expect((await cli.run(['jobs', 'list', '--status', 'bogus'])).code).toBe(2);
  });
});
