// A real store with the apps module's tables, a small users table kept in a Map (the identity module
// is a plain input here), and an audit recorder that writes real rows in the caller's transaction.
import crypto from 'node:crypto';
import type { Role } from '@berth/sdk';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { AuditEntry, AuditRecorder, UserSummary } from '../../src/apps/index.ts';
import { type Apps, createApps } from '../../src/apps/index.ts';
import { appsMigrations } from '../../src/apps/migrations.ts';
import { createSecretBox, type SecretBox } from '../../src/crypto/secret-box.ts';
import { newId } from '../../src/crypto/tokens.ts';
import { isBerthError } from '../../src/errors.ts';
import type { Actor } from '../../src/identity/actor.ts';
import { silentLogger } from '../../src/logger.ts';
import type { DialectName } from '../../src/store/dialect.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import type { Database } from '../../src/store/schema.ts';
import { openStore, type Store } from '../../src/store/store.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

export interface AuditRow {
  actor: string | null;
  action: string;
  target_id: string;
  detail: string;
  ip: string | null;
}

export interface AppsFixture {
  store: Store;
  apps: Apps;
  secretBox: SecretBox;
  users: Map<string, UserSummary>;
  /** Adds a user and returns an actor for it. */
  user(username: string, role: Role): Actor;
  /** Builds another Apps over the same store (e.g. with a different secret key). */
  makeApps(options?: { secretBox?: SecretBox; audit?: AuditRecorder }): Apps;
  auditRows(): Promise<AuditRow[]>;
  /** When set, the next audit record throws this (to test that a change and its record go together). */
  failNextAudit: Error | undefined;
  close(): Promise<void>;
}

export async function createAppsFixture(dialect: DialectName): Promise<AppsFixture> {
  const database: TestDatabase = await createTestDatabase(dialect);
  const store = openStore(database.config);
  await migrateToLatest(store, [appsMigrations], silentLogger());
  await sql`create table t_audit (id varchar(40) primary key, seq integer not null, actor varchar(64), action varchar(64) not null,
    target_id varchar(64) not null, detail text not null, ip varchar(64))`.execute(store.db);

  const users = new Map<string, UserSummary>();
  const secretBox = createSecretBox(crypto.randomBytes(32));

  const fixture: AppsFixture = {
    store,
    secretBox,
    users,
    failNextAudit: undefined,
    apps: undefined as unknown as Apps,
    user(username, role) {
      const summary: UserSummary = {
        id: newId('usr'),
        username,
        displayName: `${username} (test)`,
        role,
        disabled: false,
      };
      users.set(summary.id, summary);
      return {
        userId: summary.id,
        username,
        role,
        via: 'token',
        credentialId: newId('tok'),
        ip: '127.0.0.1',
      };
    },
    makeApps(options = {}) {
      return createApps({
        store,
        audit: options.audit ?? audit,
        secretBox: options.secretBox ?? secretBox,
        logger: silentLogger(),
        lookupUser: async (username) => [...users.values()].find((u) => u.username === username) ?? null,
        usersByIds: async (ids) => ids.flatMap((id) => users.get(id) ?? []),
        appsUrl: () => 'http://127.0.0.1:8081',
      });
    },
    async auditRows() {
      const result =
        await sql<AuditRow>`select actor, action, target_id, detail, ip from t_audit order by seq`.execute(
          store.db,
        );
      return result.rows;
    },
    async close() {
      await store.close();
      await database.drop();
    },
  };

  let seq = 0;
  const audit: AuditRecorder = {
    async record(db: Kysely<Database> | Transaction<Database>, e: AuditEntry) {
      if (fixture.failNextAudit) {
        const err = fixture.failNextAudit;
        fixture.failNextAudit = undefined;
        throw err;
      }
      await sql`insert into t_audit (id, seq, actor, action, target_id, detail, ip) values (${newId('aud')}, ${++seq},
        ${e.actor?.username ?? null}, ${e.action}, ${e.targetId}, ${JSON.stringify(e.detail ?? {})}, ${e.ip ?? null})`.execute(
        db,
      );
    },
  };
  fixture.apps = fixture.makeApps();
  return fixture;
}

/** Runs `fn` and returns the BerthError code it throws (fails the test when it does not throw). */
export async function errorCode(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    return isBerthError(err) ? err.code : `not a BerthError: ${String(err)}`;
  }
  throw new Error('expected an error, got none');
}
