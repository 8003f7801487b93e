// Host identities (tenants/): allocated in the store, unique for the platform's life, never derived
// from an app's code, real Unix users with the process runtime, retired with their app (processes,
// home, user) — also when berthd died before it finished; and the data dir's permissions.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBerthd } from '../../src/berthd.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/logger.ts';
import { ALL_MIGRATIONS } from '../../src/migrations.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import {
  createTenants,
  DataDirClosedError,
  lookupHostUser,
  processesOfUid,
  secureDataDir,
  type Tenants,
} from '../../src/tenants/index.ts';
import { createTestDatabase, type TestDatabase, testDialects } from '../support/databases.ts';
import { berthdTestEnv } from '../support/harness.ts';

const isRoot = process.getuid?.() === 0;

describe.each(testDialects())('host identities on %s', (dialect) => {
  let db: TestDatabase;
  let store: Store;
  let dataDir: string;
  let tenants: Tenants;
  const base = 871_000 + crypto.randomInt(0, 800) * 10;
  const make = () =>
    createTenants({ store, logger: silentLogger(), dataDir, hostUsers: isRoot, uidBase: base });

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    store = openStore(db.config);
    await migrateToLatest(store, [...ALL_MIGRATIONS], silentLogger());
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tenants-'));
    tenants = await make();
  });
  afterAll(async () => {
    await tenants?.retireAll();
    await store?.close();
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('gives each environment a run and a build identity of its own, the same one every time', async () => {
    const runStag = await tenants.run('shop', 'stag');
    const buildStag = await tenants.build('shop', 'stag');
    const runProd = await tenants.run('shop', 'prod');
    const other = await tenants.run('shop2', 'stag');
    const uids = [runStag, buildStag, runProd, other].map((i) => i.uid);
    expect(new Set(uids).size).toBe(4);
    for (const uid of uids) expect(uid).toBeGreaterThanOrEqual(base);
    expect(runStag.name).toBe(`berth-${tenants.installation}-${runStag.uid}`);
    expect(tenants.installation).toMatch(/^[a-z][a-z0-9]{5}$/);
    // A second berthd on the same store finds the same identities and installation.
    const again = await make();
    expect(again.installation).toBe(tenants.installation);
    expect(await again.run('shop', 'stag')).toEqual(runStag);
    // Homes for run identities only, private to them.
    expect(buildStag.home).toBeUndefined();
    const home = fs.statSync(runStag.home!);
    expect([home.uid, home.mode & 0o777]).toEqual(isRoot ? [runStag.uid, 0o700] : [home.uid, 0o700]);
    if (isRoot)
      expect(await lookupHostUser(runStag.name)).toEqual({
        name: runStag.name,
        uid: runStag.uid,
        gid: runStag.uid,
      });
  });

  it('never derives identities from the code: long and crafted codes get different users', async () => {
    const long = 'a'.repeat(29) + 'x';
    const crafted = `${long.slice(0, 19)}-${crypto.createHash('sha256').update(long).digest('hex').slice(0, 6)}`;
    const a = await tenants.run(long, 'stag');
    const b = await tenants.run(crafted, 'stag');
    expect(a.uid).not.toBe(b.uid);
    expect(a.name).not.toBe(b.name);
  });

  it('allocates one identity per slot when several callers race', async () => {
    const [x, y] = await Promise.all([make(), make()]);
    const got = await Promise.all([x.run('race', 'prod'), y.run('race', 'prod'), x.run('race', 'prod')]);
    expect(new Set(got.map((i) => i.uid)).size).toBe(1);
  });

  it.runIf(isRoot)(
    'retires an app: kills its processes, removes its homes and users, never reuses them',
    async () => {
      const run = await tenants.run('bye', 'stag');
      const build = await tenants.build('bye', 'stag');
      fs.writeFileSync(path.join(run.home!, 'data.txt'), 'old');
      // A process of the app that left berthd's session and group (detached: a session of its own).
      // It runs `sleep` itself, so it exists once spawned (no intermediate process to wait for).
      const child = spawn('sleep', ['300'], {
        uid: run.uid,
        gid: run.gid,
        cwd: '/',
        stdio: 'ignore',
        detached: true,
      });
      child.unref();
      await new Promise((r) => child.once('spawn', r));
      expect(processesOfUid(run.uid)).toContain(child.pid);

      await tenants.retireApp('bye');
      expect(processesOfUid(run.uid)).toEqual([]);
      expect(fs.existsSync(run.home!)).toBe(false);
      expect(await lookupHostUser(run.name)).toBeUndefined();
      expect(await lookupHostUser(build.name)).toBeUndefined();
      const fresh = await tenants.run('bye', 'stag');
      expect(fresh.uid).not.toBe(run.uid);
      expect(fresh.uid).not.toBe(build.uid);
      expect(fs.readdirSync(fresh.home!)).toEqual([]);
    },
  );

  it('finishes a retirement an earlier berthd left half done, and retires identities of deleted apps', async () => {
    const half = await tenants.run('half', 'stag');
    const orphan = await tenants.run('orphan', 'prod');
    const kept = await tenants.run('kept', 'prod');
    await store.db
      .updateTable('host_identities')
      .set({ status: 'retiring', active_slot: null })
      .where('name', '=', half.name)
      .execute();
    const next = await make();
    await next.recover(new Set(['kept', 'shop', 'shop2', 'race', 'bye', 'a'.repeat(29) + 'x']));
    const status = async (name: string) =>
      (
        await store.db
          .selectFrom('host_identities')
          .select('status')
          .where('name', '=', name)
          .executeTakeFirstOrThrow()
      ).status;
    expect(await status(half.name)).toBe('retired');
    expect(await status(orphan.name)).toBe('retired');
    expect(await status(kept.name)).toBe('active');
    expect(fs.existsSync(half.home!)).toBe(false);
    if (isRoot) expect(await lookupHostUser(orphan.name)).toBeUndefined();
  });
});

describe.runIf(isRoot)('the data dir when apps run as their own users', () => {
  it('stops berthd with the fix when a directory above the data dir is closed to apps', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-closed-'));
    fs.chmodSync(parent, 0o700);
    const db = await createTestDatabase('sqlite');
    try {
      const dataDir = path.join(parent, 'checkout', '.berth');
      const config = loadConfig({
        ...berthdTestEnv(db, dataDir),
      });
      const err = await startBerthd(config, { logger: silentLogger() }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(DataDirClosedError);
      expect((err as DataDirClosedError).closed).toContain(parent);
      expect((err as Error).message).toMatch(/are closed to other users/);
      expect((err as Error).message).toContain(`${parent}`);
      expect((err as Error).message).toMatch(/chmod o\+x .*\/tmp\/berth-closed-/);
      expect((err as Error).message).toContain('BERTH_DATA_DIR=/var/lib/berth');
    } finally {
      await db.drop();
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });

  it('lets apps pass through to homes/ and releases/ and closes everything else to them', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-datadir-'));
    try {
      fs.writeFileSync(path.join(dataDir, 'berth.db'), 'store', { mode: 0o644 });
      fs.chmodSync(path.join(dataDir, 'berth.db'), 0o644);
      fs.mkdirSync(path.join(dataDir, 'packages'), { mode: 0o755 });
      fs.chmodSync(path.join(dataDir, 'packages'), 0o755);
      secureDataDir(dataDir);
      const mode = (p: string) => fs.statSync(path.join(dataDir, p)).mode & 0o777;
      expect(mode('.')).toBe(0o711);
      expect(mode('homes')).toBe(0o711);
      expect(mode('releases')).toBe(0o711);
      expect(mode('berth.db')).toBe(0o640);
      expect(mode('packages')).toBe(0o750);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
