// The one test of the real `berth` process (bin/berth.js) against a real berthd: the other CLI
// tests run the CLI in-process (support/in-process.ts). Login with --password-stdin, whoami, and a
// failing command's message and exit code, as a shell script sees them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemDialects } from '../../server/test/support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import { type CliHome, createCliHome } from './support/cli.ts';

describe.each(systemDialects())('the berth process against berthd on %s', (dialect) => {
  let t: TestBerthd;
  let cli: CliHome;
  beforeAll(async () => {
    t = await startTestBerthd({ dialect });
    cli = createCliHome();
  });
  afterAll(async () => {
    await t?.stop();
    cli?.remove();
  });

  it('logs in, says who is logged in, and exits non-zero with the code of a failure', async () => {
    const login = await cli.run(['login', t.url, '--username', 'admin', '--password-stdin'], {
      input: `${ADMIN_PASSWORD}\n`,
    });
    expect(login).toEqual({ code: 0, stdout: `Logged in to ${t.url} as admin\n`, stderr: '' });
    expect(await cli.run(['whoami'])).toEqual({ code: 0, stdout: `admin (admin) on ${t.url}\n`, stderr: '' });

    const missing = await cli.run(['apps', 'info', 'nosuchapp']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^berth: [^\n]+ \(APP_NOT_FOUND\)\n$/);
    const usage = await cli.run(['apps', 'create']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/\(USAGE\)\n$/);
  });
});
