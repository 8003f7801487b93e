// Test clean-up of what a berthd running as root leaves on the host: the Unix users (and their
// processes) of its installation, `berth-{installation}-{uid}`. The installation's code is read
// from the berthd's store, so a test only needs its database.
import fs from 'node:fs';
import type { DatabaseConfig } from '../../src/config.ts';
import { openStore } from '../../src/store/store.ts';
import { deleteHostUser, killUidProcesses } from '../../src/tenants/index.ts';

/** The installation code kept in this store, or undefined (no such table or row yet). */
export async function installationIn(config: DatabaseConfig): Promise<string | undefined> {
  if (config.dialect === 'sqlite' && !fs.existsSync(config.file)) return undefined;
  const store = openStore(config);
  try {
    const row = await store.db
      .selectFrom('installation')
      .select('code')
      .where('id', '=', 'self')
      .executeTakeFirst();
    return row?.code;
  } catch {
    return undefined; // never migrated
  } finally {
    await store.close();
  }
}

/** Kills the processes of, and deletes, every Unix user of the installation (root only). */
export async function removeInstallationUsers(config: DatabaseConfig): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const code = await installationIn(config);
  if (!code) return;
  const prefix = `berth-${code}-`;
  for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [name, , uid] = line.split(':');
    if (!name?.startsWith(prefix)) continue;
    await killUidProcesses(Number(uid));
    await deleteHostUser(name);
  }
}
