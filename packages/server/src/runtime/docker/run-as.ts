// Who a container runs as and which home it mounts: the spec's run identity (allocated in the
// store, tenants/) when berthd is root; otherwise berthd's own uid with a home in the data dir
// (berthd cannot give files to anybody else).
import type { EnvName } from '@berth/sdk';
import type { InstanceUser } from '../driver.ts';
import { prepareAppDirs } from '../process/app-dirs.ts';

export function containerUser(
  dataDir: string,
  spec: { app: string; env: EnvName; user?: InstanceUser | undefined },
): { uid: number; gid: number; homeDir: string } {
  if (spec.user) return { uid: spec.user.uid, gid: spec.user.gid, homeDir: spec.user.home };
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  return { uid, gid, homeDir: prepareAppDirs(dataDir, spec.app, spec.env).home };
}
