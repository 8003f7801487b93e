// The home of an instance that runs without a user of its own (berthd is not root, so it cannot
// switch users): `{dataDir}/apps/{code}/{env}`, 0700, berthd's. When berthd is root every instance
// has a run identity, whose home the tenants module makes (tenants/homes.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { EnvName } from '@berth/sdk';

export interface AppDirs {
  /** The app's runtime dir. */
  appDir: string;
  /** Writable data dir of the app environment; HOME of its instances. */
  home: string;
}

export function appDirPaths(dataDir: string, app: string, env: EnvName): AppDirs {
  const appDir = path.join(dataDir, 'apps', app);
  return { appDir, home: path.join(appDir, env) };
}

/** Creates the app's runtime and data dirs, mode 0700. */
export function prepareAppDirs(dataDir: string, app: string, env: EnvName): AppDirs {
  const dirs = appDirPaths(dataDir, app, env);
  fs.mkdirSync(dirs.home, { recursive: true, mode: 0o700 });
  return dirs;
}
