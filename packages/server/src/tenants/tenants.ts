// Host identities: who an app environment's code runs as on a host. Each environment of each app
// gets two, allocated in the store the first time they are needed and never handed out again:
//
//   run    its instances and release commands; owns the environment's home (homes.ts)
//   build  its builds; after every build step all of this uid's processes are killed (reap)
//
// plus one `gateway` identity for the gateway's worker processes (they read static sites). A uid
// is the next free one from BERTH_UID_BASE (skipping ids the host uses for anything else); the user
// and group are named `berth-{installation}-{uid}`: the installation's code (a random name made at
// its first start) keeps two Berth installations on one host apart. Nothing is derived from an
// app's code, so no crafted code can make two apps share a user.
//
// The identities are real Unix users on every runtime (host-users.ts): containers would need uids
// only, but a uid not written in /etc/passwd looks free to the next installation on the host, and
// retiring an identity kills every process of its uid, so each uid is reserved on the host. When an app is deleted its identities are retired: their processes killed,
// homes removed, users deleted; the row stays, with its uid and name, so neither is reused. The
// retirement is recorded before it is carried out and finished at the next start if berthd dies.
import crypto from 'node:crypto';
import type { EnvName } from '@berth/sdk';
import { newId } from '../crypto/tokens.ts';
import type { Logger } from '../logger.ts';
import { isUniqueViolation } from '../store/dialect.ts';
import type { Store } from '../store/store.ts';
import { ensureHome, removeHome } from './homes.ts';
import { createHostUser, deleteHostUser, HostIdTakenError, hostIdFree } from './host-users.ts';
import type { HostIdentityRow } from './tables.ts';
import { killUidProcesses } from './uid-processes.ts';

export type IdentityKind = 'run' | 'build' | 'gateway';

export interface HostIdentity {
  kind: IdentityKind;
  /** The Unix user and group name (`berth-{installation}-{uid}`). */
  name: string;
  uid: number;
  /** Equal to uid: every identity has a group of its own. */
  gid: number;
  /** Run identities: the environment's home directory (writable, private). */
  home?: string;
}

export interface TenantsOptions {
  store: Store;
  logger: Logger;
  dataDir: string;
  /** Create Unix users for the identities (berthd always does, as root; some tests do not). */
  hostUsers: boolean;
  /** The first uid handed out. */
  uidBase: number;
}

export interface Tenants {
  /** This installation's code, part of every host-level name it creates. */
  readonly installation: string;
  run(app: string, env: EnvName): Promise<HostIdentity>;
  build(app: string, env: EnvName): Promise<HostIdentity>;
  gateway(): Promise<HostIdentity>;
  /** Kills every process of the identity (with host users; containers end with their container). */
  reap(identity: HostIdentity): Promise<void>;
  /** Kills every process of every build identity: at start, when no build runs (a berthd killed
   *  mid-build leaves its build's processes). */
  reapBuilds(): Promise<void>;
  /** Retires every identity of the app: processes killed, homes removed, users deleted. */
  retireApp(app: string): Promise<void>;
  /** Finishes retirements an earlier berthd did not, and retires identities of apps that no longer
   *  exist (deleted while berthd died). */
  recover(liveApps: ReadonlySet<string>): Promise<void>;
  /** Retires every identity of this installation (tests; uninstalling). */
  retireAll(): Promise<void>;
}

/** The longest user name useradd accepts on common distributions. */
const MAX_NAME = 32;

export async function createTenants(options: TenantsOptions): Promise<Tenants> {
  const { db } = options.store;
  const logger = options.logger.child({ mod: 'tenants' });
  const installation = await installationCode(options.store);
  const cache = new Map<string, Promise<HostIdentity>>();

  function toIdentity(row: HostIdentityRow): HostIdentity {
    const uid = Number(row.uid);
    const identity: HostIdentity = { kind: row.kind as IdentityKind, name: row.name, uid, gid: uid };
    if (row.kind === 'run') identity.home = ensureHome(options.dataDir, identity);
    return identity;
  }

  /** The active row of a slot, allocated when missing (several berthds may race: the store decides). */
  async function activeRow(
    kind: IdentityKind,
    app: string | null,
    env: string | null,
  ): Promise<HostIdentityRow> {
    const slot = `${kind}:${app ?? ''}:${env ?? ''}`;
    for (let attempt = 0; attempt < 50; attempt++) {
      const existing = await db
        .selectFrom('host_identities')
        .selectAll()
        .where('active_slot', '=', slot)
        .executeTakeFirst();
      if (existing) return existing;
      const top = await db
        .selectFrom('host_identities')
        .select((eb) => eb.fn.max('uid').as('top'))
        .executeTakeFirst();
      let uid = Math.max(options.uidBase, Number(top?.top ?? options.uidBase - 1) + 1);
      if (options.hostUsers) while (!(await hostIdFree(uid))) uid += 1;
      const row: HostIdentityRow = {
        id: newId('hid'),
        kind,
        app_code: app,
        env,
        uid,
        name: `berth-${installation}-${uid}`,
        active_slot: slot,
        status: 'active',
        created_at: Date.now(),
        retired_at: null,
      };
      if (row.name.length > MAX_NAME) throw new Error(`host user name ${row.name} is too long`);
      try {
        await db.insertInto('host_identities').values(row).execute();
        logger.info({ kind, app, env, uid, name: row.name }, 'allocated a host identity');
        return row;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    }
    throw new Error(`cannot allocate a host identity for ${slot}`);
  }

  async function ensure(kind: IdentityKind, app: string | null, env: string | null): Promise<HostIdentity> {
    for (;;) {
      const row = await activeRow(kind, app, env);
      if (!options.hostUsers) return toIdentity(row);
      try {
        const what = kind === 'gateway' ? 'gateway' : `${kind} of ${app} ${env}`;
        await createHostUser(row.name, Number(row.uid), `Berth ${what} (installation ${installation})`);
        return toIdentity(row);
      } catch (err) {
        if (!(err instanceof HostIdTakenError)) throw err;
        // Someone else (another installation, an admin) took the id on this host since we looked:
        // the row keeps the id, retired, and the slot gets a new one.
        logger.warn({ uid: row.uid, name: row.name }, 'host id taken meanwhile; allocating another');
        await db
          .updateTable('host_identities')
          .set({ active_slot: null, status: 'retired', retired_at: Date.now() })
          .where('id', '=', row.id)
          .execute();
      }
    }
  }

  function cached(kind: IdentityKind, app: string | null, env: string | null): Promise<HostIdentity> {
    const key = `${kind}:${app ?? ''}:${env ?? ''}`;
    let pending = cache.get(key);
    if (!pending) {
      pending = ensure(kind, app, env);
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
    }
    return pending;
  }

  async function reap(identity: { uid: number; name: string }): Promise<void> {
    if (!options.hostUsers) return;
    const killed = await killUidProcesses(identity.uid);
    if (killed > 0) logger.info({ user: identity.name, processes: killed }, 'killed leftover processes');
  }

  async function purge(row: HostIdentityRow): Promise<void> {
    const identity = { name: row.name, uid: Number(row.uid) };
    await reap(identity);
    await removeHome(options.dataDir, identity);
    if (options.hostUsers) await deleteHostUser(row.name);
    await db
      .updateTable('host_identities')
      .set({ status: 'retired', retired_at: Date.now() })
      .where('id', '=', row.id)
      .execute();
    logger.info({ name: row.name, app: row.app_code, env: row.env }, 'retired a host identity');
  }

  async function retire(rows: HostIdentityRow[]): Promise<void> {
    for (const row of rows) {
      cache.delete(`${row.kind}:${row.app_code ?? ''}:${row.env ?? ''}`);
      if (row.status === 'active') {
        await db
          .updateTable('host_identities')
          .set({ status: 'retiring', active_slot: null })
          .where('id', '=', row.id)
          .execute();
      }
    }
    for (const row of rows) await purge(row);
  }

  return {
    installation,
    run: (app, env) => cached('run', app, env),
    build: (app, env) => cached('build', app, env),
    gateway: () => cached('gateway', null, null),
    reap,
    async reapBuilds() {
      if (!options.hostUsers) return;
      const rows = await db
        .selectFrom('host_identities')
        .select(['name', 'uid'])
        .where('kind', '=', 'build')
        .where('status', '=', 'active')
        .execute();
      for (const row of rows) await reap({ name: row.name, uid: Number(row.uid) });
    },
    async retireApp(app) {
      const rows = await db
        .selectFrom('host_identities')
        .selectAll()
        .where('app_code', '=', app)
        .where('status', 'in', ['active', 'retiring'])
        .execute();
      await retire(rows);
    },
    async recover(liveApps) {
      const rows = await db
        .selectFrom('host_identities')
        .selectAll()
        .where('status', 'in', ['active', 'retiring'])
        .execute();
      const stale = rows.filter(
        (r) => r.status === 'retiring' || (r.app_code !== null && !liveApps.has(r.app_code)),
      );
      await retire(stale);
    },
    async retireAll() {
      const rows = await db
        .selectFrom('host_identities')
        .selectAll()
        .where('status', 'in', ['active', 'retiring'])
        .execute();
      await retire(rows);
    },
  };
}

/** The installation's code: 6 characters of [a-z0-9], made once and kept in the store. */
export async function installationCode(store: Store): Promise<string> {
  const { db } = store;
  const found = await db
    .selectFrom('installation')
    .select('code')
    .where('id', '=', 'self')
    .executeTakeFirst();
  if (found) return found.code;
  const code = randomCode();
  try {
    await db.insertInto('installation').values({ id: 'self', code, created_at: Date.now() }).execute();
    return code;
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const raced = await db
      .selectFrom('installation')
      .select('code')
      .where('id', '=', 'self')
      .executeTakeFirstOrThrow();
    return raced.code;
  }
}

function randomCode(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = crypto.randomBytes(6);
  let code = alphabet[bytes[0]! % 26]!; // a letter first: safe at the start of any name
  for (let i = 1; i < 6; i++) code += alphabet[bytes[i]! % alphabet.length]!;
  return code;
}
