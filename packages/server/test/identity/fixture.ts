// A store-level identity setup for one dialect: a fresh database with the identity tables, the
// services with cheap scrypt parameters, and a clock the test moves by hand.
import type { Role } from '@berth/sdk';
import type { Config } from '../../src/config.ts';
import {
  type Actor,
  type AuditLog,
  createAuditLog,
  createIdentity,
  type Identity,
  identityMigrations,
  type PasswordParams,
} from '../../src/identity/index.ts';
import { silentLogger } from '../../src/logger.ts';
import type { DialectName } from '../../src/store/dialect.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

/** 2^10: about a millisecond per hash, for tests only. */
export const FAST_PASSWORD_PARAMS: PasswordParams = { N: 2 ** 10, r: 8, p: 1 };
export const DEFAULT_LOGIN: Config['login'] = {
  windowMs: 15 * 60_000,
  freeFailures: 5,
  backoffMs: 1000,
  maxFailuresPerAddress: 20,
  concurrency: 2,
  queue: 16,
};
export const SESSION_TTL_MS = 60 * 60_000;

export interface TestClock {
  now: number;
  advance(ms: number): void;
}

export interface IdentityFixture {
  dialect: DialectName;
  database: TestDatabase;
  store: Store;
  audit: AuditLog;
  identity: Identity;
  clock: TestClock;
  /** Another set of services over its own connection pool to the same database. */
  openReplica(): { store: Store; identity: Identity };
  close(): Promise<void>;
}

export async function createIdentityFixture(
  dialect: DialectName,
  options: { login?: Partial<Config['login']>; passwordParams?: PasswordParams; bootstrap?: boolean } = {},
): Promise<IdentityFixture> {
  const database = await createTestDatabase(dialect);
  const store = openStore(database.config);
  await migrateToLatest(store, [identityMigrations], silentLogger());
  const clock: TestClock = {
    now: Date.now(),
    advance(ms) {
      this.now += ms;
    },
  };
  const stores: Store[] = [store];
  const build = (s: Store) => {
    const audit = createAuditLog({ store: s, clock: () => clock.now });
    const identity = createIdentity({
      store: s,
      audit,
      logger: silentLogger(),
      sessionTtlMs: SESSION_TTL_MS,
      login: { ...DEFAULT_LOGIN, ...options.login },
      clock: () => clock.now,
      passwordParams: options.passwordParams ?? FAST_PASSWORD_PARAMS,
    });
    return { audit, identity };
  };
  const { audit, identity } = build(store);
  if (options.bootstrap !== false) await identity.bootstrapAdmin(ADMIN_PW);
  return {
    dialect,
    database,
    store,
    audit,
    identity,
    clock,
    openReplica() {
      const replica = openStore(database.config);
      stores.push(replica);
      return { store: replica, identity: build(replica).identity };
    },
    async close() {
      for (const s of stores) await s.close();
      await database.drop();
    },
  };
}

export const ADMIN_PW = 'fixture-admin-password';
export const USER_PW = 'user-password-123';

/** An actor as authenticate would build it, for calling services directly. */
export function actorOf(user: { id: string; username: string; role: Role }, ip = '127.0.0.1'): Actor {
  return {
    userId: user.id,
    username: user.username,
    role: user.role,
    via: 'token',
    credentialId: 'tok_test',
    ip,
  };
}

/** The bootstrap admin as an actor. */
export async function adminActor(identity: Identity): Promise<Actor> {
  const admin = await identity.lookupUser('admin');
  if (!admin) throw new Error('no admin');
  return actorOf(admin);
}

/** Creates a user with USER_PW and returns it as an actor. */
export async function makeUser(identity: Identity, username: string, role: Role): Promise<Actor> {
  const user = await identity.users.create(await adminActor(identity), { username, password: USER_PW, role });
  return actorOf(user);
}

export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
  return undefined;
}
