// Each app runs under its own non-root uid (first 10000, then 10001, …), kept in
// `<dataDir>/runtime/docker/uids.json` so an app keeps its uid (and owns its home) across restarts.
import fs from 'node:fs';
import path from 'node:path';

export interface AppUids {
  uidOf(app: string): number;
}

export function createAppUids(dataDir: string, firstUid: number): AppUids {
  const file = path.join(dataDir, 'runtime', 'docker', 'uids.json');
  const read = (): Record<string, number> => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
  };
  return {
    uidOf(app) {
      const table = read();
      const known = table[app];
      if (known !== undefined) return known;
      const uid = Math.max(firstUid - 1, ...Object.values(table)) + 1;
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const temp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(temp, JSON.stringify({ ...table, [app]: uid }), { mode: 0o600 });
      fs.renameSync(temp, file);
      return uid;
    },
  };
}

/** The app's home for one environment, owned by its uid, private: `<dataDir>/apps/<app>/<env>`. */
export function ensureAppHome(dataDir: string, app: string, env: string, uid: number): string {
  const appDir = path.join(dataDir, 'apps', app);
  const home = path.join(appDir, env);
  fs.mkdirSync(home, { recursive: true, mode: 0o700 });
  for (const dir of [appDir, home]) {
    fs.chownSync(dir, uid, uid);
    fs.chmodSync(dir, 0o700);
  }
  return home;
}
