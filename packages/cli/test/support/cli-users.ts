// In-process CLI homes logged in to a test berthd: the admin's, and one for each user the admin
// creates (with its role and the given password), as on each user's own machine.
import type { Role } from '@berth/sdk';
import { ADMIN_PASSWORD } from '../../../server/test/support/harness.ts';
import { type CliHome, expectOk } from './cli.ts';
import { createInProcessCli } from './in-process.ts';

export async function loginCliUsers(
  url: string,
  users: ReadonlyArray<readonly [username: string, role: Role]>,
  password: string,
): Promise<{ admin: CliHome; homes: Record<string, CliHome> }> {
  const admin = createInProcessCli();
  expectOk(
    await admin.run(['login', url, '-u', 'admin', '--password-stdin'], { input: `${ADMIN_PASSWORD}\n` }),
  );
  const homes: Record<string, CliHome> = {};
  for (const [name, role] of users) {
    expectOk(
      await admin.run(['users', 'create', name, '--role', role, '--password-stdin'], {
        input: `${password}\n`,
      }),
    );
    const home = createInProcessCli();
    expectOk(await home.run(['login', url, '-u', name, '--password-stdin'], { input: `${password}\n` }));
    homes[name] = home;
  }
  return { admin, homes };
}
