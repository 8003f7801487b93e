// Run identities for the driver suites, made the way berthd's tenants module makes them but without
// a store: a uid (and, for the process runtime, a Unix user and group) per app, its home, and the
// app's artifact sealed to its group. Only as root; otherwise instances run as the test's user.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sealArtifact } from '../../src/build/index.ts';
import type { InstanceUser } from '../../src/runtime/index.ts';
import { hostIdFree } from '../../src/tenants/host-users.ts';
import {
  createHostUser,
  deleteHostUser,
  ensureHome,
  homesDir,
  killUidProcesses,
} from '../../src/tenants/index.ts';

export const isRoot = process.getuid?.() === 0;

export interface TestIdentities {
  /** The app's run identity (undefined when not root). */
  user(app: string): InstanceUser | undefined;
  /** Gives the app's artifact to its identity the way a build's output is sealed. */
  seal(app: string, artifactDir: string): Promise<void>;
  /** Kills the identities' processes, deletes their users (when made) and homes. */
  cleanup(): Promise<void>;
}

/** Identities for `apps` in `dataDir`: Unix users when `hostUsers`, else bare uids (containers). */
export async function provisionIdentities(
  dataDir: string,
  apps: readonly string[],
  opts: { hostUsers: boolean },
): Promise<TestIdentities> {
  const users = new Map<string, InstanceUser>();
  if (isRoot) {
    fs.mkdirSync(homesDir(dataDir), { recursive: true, mode: 0o711 });
    fs.chmodSync(dataDir, 0o711);
    let uid = 870_000 + crypto.randomInt(0, 9_000) * 10;
    const tag = crypto.randomBytes(3).toString('hex');
    for (const app of apps) {
      while (!(await hostIdFree(uid))) uid += 1;
      const name = `bt-${tag}-${uid}`;
      if (opts.hostUsers) await createHostUser(name, uid, `Berth test identity of ${app}`);
      const home = ensureHome(dataDir, { name, uid });
      users.set(app, { name, uid, gid: uid, home });
      uid += 1;
    }
  }
  return {
    user: (app) => users.get(app),
    async seal(app, artifactDir) {
      const user = users.get(app);
      if (!user) return;
      // The suites write artifacts under temporary dirs: the way there must be passable.
      const top = os.tmpdir();
      for (let dir = path.dirname(artifactDir); dir.startsWith(`${top}/`); dir = path.dirname(dir))
        fs.chmodSync(dir, 0o711);
      await sealArtifact(artifactDir, user.gid);
    },
    async cleanup() {
      for (const user of users.values()) {
        await killUidProcesses(user.uid);
        if (opts.hostUsers) await deleteHostUser(user.name);
      }
    },
  };
}
