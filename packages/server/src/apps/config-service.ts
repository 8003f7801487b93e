// Environments and their config vars. Secret vars are stored sealed (bound to app, env and name) and
// shown masked unless revealed; a change applies all of its `set` and `unset` or nothing.
import {
  type AppEnvSummary,
  CONFIG_MAX_VARS_PER_ENV,
  CONFIG_VALUE_MAX_BYTES,
  CONFIG_VAR_NAME_PATTERN,
  ConfigPatchBodySchema,
  type ConfigVar,
  type Deploy,
  ENV_NAMES,
  type EnvName,
  type PageQuery,
  reservedConfigName,
  SECRET_MASK,
} from '@berth/sdk';
import type { Transaction } from 'kysely';
import type { SecretBox } from '../crypto/secret-box.ts';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import { type Keyset, keysetPageOf, type Page } from '../store/keyset.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { AuditRecorder } from './deps.ts';
import type { AppFor } from './permissions.ts';
import type { AppConfigVarsTable } from './tables.ts';
import { validate } from './validate.ts';
import { type AppViews, byKey } from './views.ts';

export interface ConfigService {
  /** Both environments with their var counts. */
  listEnvs(actor: Actor, code: string, page?: PageQuery): Promise<Page<AppEnvSummary>>;
  /** The env's vars by name, secret values masked. */
  listConfig(actor: Actor, code: string, env: string, page?: PageQuery): Promise<Page<ConfigVar>>;
  /** One var; `reveal` shows a secret value (not for auditors; audited as config.reveal). */
  getConfigVar(
    actor: Actor,
    code: string,
    env: string,
    name: string,
    options?: { reveal?: boolean },
  ): Promise<ConfigVar>;
  /**
   * Applies `{ set?, unset? }` atomically; returns the env's vars (masked) and the config deploy the
   * change started (committed with it), if the env runs a release.
   */
  updateConfig(
    actor: Actor,
    code: string,
    env: string,
    input: unknown,
  ): Promise<{ vars: ConfigVar[]; deploy?: Deploy }>;
  /** Every var of the env, decrypted: what a release of the app gets (for the deploy engine). */
  configSnapshot(code: string, env: string): Promise<Record<string, string>>;
  /** The names of the env's secret vars (for the deploy engine, which masks their values in logs). */
  secretNames(code: string, env: string): Promise<string[]>;
}

/**
 * Told about every config change inside its transaction (berthd wires the deploy engine's redeploy
 * here): the deploy it starts is committed with the change, or neither is.
 */
export type OnConfigChanged = (
  actor: Actor,
  code: string,
  env: EnvName,
  trx: Transaction<Database>,
) => Promise<Deploy | undefined>;

export function configContext(code: string, env: string, name: string): string {
  return `config:${code}:${env}:${name}`;
}

const NAME_RE = new RegExp(CONFIG_VAR_NAME_PATTERN);

function checkEnv(env: string): EnvName {
  if (!(ENV_NAMES as readonly string[]).includes(env)) throw new BerthError('ENV_NOT_FOUND');
  return env as EnvName;
}

function checkName(name: string): void {
  const reserved = reservedConfigName(name);
  if (reserved !== undefined) throw new BerthError('CONFIG_KEY_RESERVED', `${name}: ${reserved}`);
}

function masked(row: AppConfigVarsTable): ConfigVar {
  return {
    name: row.name,
    value: row.secret ? SECRET_MASK : row.value,
    secret: row.secret === 1,
    updatedAt: Number(row.updated_at),
    updatedBy: row.updated_by,
  };
}

const ENV_KEYSET: Keyset<AppEnvSummary> = {
  list: 'envs',
  order: 'asc',
  columns: [{ type: 'number' }],
  keyOf: (e) => [ENV_NAMES.indexOf(e.name)],
};
const VAR_KEYSET: Keyset<ConfigVar> = {
  list: 'config',
  order: 'asc',
  columns: [{ type: 'string' }],
  keyOf: (v) => [v.name],
};

export function createConfigService(deps: {
  store: Store;
  audit: AuditRecorder;
  secretBox: SecretBox;
  appFor: AppFor;
  views: AppViews;
  onConfigChanged?: OnConfigChanged | undefined;
}): ConfigService {
  const { db } = deps.store;
  const { appFor, audit, secretBox } = deps;

  async function readVars(appId: string, env: EnvName): Promise<AppConfigVarsTable[]> {
    const rows = await db
      .selectFrom('app_config_vars')
      .selectAll()
      .where('app_id', '=', appId)
      .where('env', '=', env)
      .execute();
    return rows.sort(byKey((r) => r.name));
  }

  return {
    async listEnvs(actor, code, page) {
      const app = await appFor(actor, 'app.read', code);
      return keysetPageOf(await deps.views.envSummaries(app), ENV_KEYSET, page);
    },

    async listConfig(actor, code, envName, page) {
      const env = checkEnv(envName);
      const app = await appFor(actor, 'app.read', code);
      return keysetPageOf((await readVars(app.id, env)).map(masked), VAR_KEYSET, page);
    },

    async getConfigVar(actor, code, envName, name, options = {}) {
      const env = checkEnv(envName);
      const reveal = options.reveal === true;
      const app = await appFor(actor, reveal ? 'secret.reveal' : 'app.read', code);
      const row =
        typeof name === 'string' && NAME_RE.test(name)
          ? await db
              .selectFrom('app_config_vars')
              .selectAll()
              .where('app_id', '=', app.id)
              .where('env', '=', env)
              .where('name', '=', name)
              .executeTakeFirst()
          : undefined;
      if (!row) throw new BerthError('CONFIG_VAR_NOT_FOUND');
      if (!reveal || !row.secret) return masked(row);
      const value = secretBox.open(row.value, configContext(app.code, env, row.name));
      await audit.record(db, {
        actor,
        action: 'config.reveal',
        targetType: 'app',
        targetId: app.code,
        detail: { env, name: row.name },
        ip: actor.ip,
      });
      return { ...masked(row), value };
    },

    async updateConfig(actor, code, envName, input) {
      const env = checkEnv(envName);
      const body = validate(ConfigPatchBodySchema, input, 'body');
      const set = body.set ?? [];
      const unset = body.unset ?? [];
      if (set.length === 0 && unset.length === 0) {
        throw new BerthError('VALIDATION_FAILED', 'body: nothing to change (give set or unset)');
      }
      const seen = new Set<string>();
      for (const name of [...set.map((s) => s.name), ...unset]) {
        checkName(name);
        if (seen.has(name)) {
          throw new BerthError('VALIDATION_FAILED', `body: ${name} is named more than once`);
        }
        seen.add(name);
      }
      for (const s of set) {
        if (Buffer.byteLength(s.value, 'utf8') > CONFIG_VALUE_MAX_BYTES) {
          throw new BerthError('CONFIG_TOO_LARGE', `${s.name}: a value is limited to 32 KiB`);
        }
      }
      const app = await appFor(actor, 'config.write', code, env);
      const now = Date.now();

      const deploy = await db.transaction().execute(async (trx) => {
        // Bumping the env's config version first locks its row: changes to one env run one at a
        // time, so the checks below (names present, var count) hold until commit.
        const locked = await trx
          .updateTable('app_envs')
          .set((eb) => ({ config_version: eb('config_version', '+', 1), config_updated_at: now }))
          .where('app_id', '=', app.id)
          .where('name', '=', env)
          .executeTakeFirst();
        if (Number(locked.numUpdatedRows) === 0) throw new BerthError('APP_NOT_FOUND'); // deleted meanwhile

        const existing = new Map(
          (
            await trx
              .selectFrom('app_config_vars')
              .select(['name', 'secret'])
              .where('app_id', '=', app.id)
              .where('env', '=', env)
              .execute()
          ).map((r) => [r.name, r.secret === 1]),
        );
        const missing = unset.filter((name) => !existing.has(name));
        if (missing.length) {
          throw new BerthError('CONFIG_VAR_NOT_FOUND', `No such config var: ${missing.join(', ')}`);
        }
        const added = set.filter((s) => !existing.has(s.name)).length;
        if (existing.size - unset.length + added > CONFIG_MAX_VARS_PER_ENV) {
          throw new BerthError(
            'CONFIG_TOO_LARGE',
            `An environment holds at most ${CONFIG_MAX_VARS_PER_ENV} config vars`,
          );
        }

        if (unset.length) {
          await trx
            .deleteFrom('app_config_vars')
            .where('app_id', '=', app.id)
            .where('env', '=', env)
            .where('name', 'in', unset)
            .execute();
        }
        const inserts: AppConfigVarsTable[] = [];
        for (const s of set) {
          const secret = s.secret ?? existing.get(s.name) ?? false;
          const row: AppConfigVarsTable = {
            app_id: app.id,
            env,
            name: s.name,
            value: secret ? secretBox.seal(s.value, configContext(app.code, env, s.name)) : s.value,
            secret: secret ? 1 : 0,
            updated_at: now,
            updated_by: actor.username,
          };
          if (!existing.has(s.name)) {
            inserts.push(row);
            continue;
          }
          await trx
            .updateTable('app_config_vars')
            .set({ value: row.value, secret: row.secret, updated_at: now, updated_by: actor.username })
            .where('app_id', '=', app.id)
            .where('env', '=', env)
            .where('name', '=', s.name)
            .execute();
        }
        if (inserts.length) await trx.insertInto('app_config_vars').values(inserts).execute();
        await audit.record(trx, {
          actor,
          action: 'config.update',
          targetType: 'app',
          targetId: app.code,
          detail: { env, set: set.map((s) => s.name), unset },
          ip: actor.ip,
        });
        return deps.onConfigChanged?.(actor, app.code, env, trx);
      });
      const vars = (await readVars(app.id, env)).map(masked);
      return deploy ? { vars, deploy } : { vars };
    },

    async secretNames(code, envName) {
      const env = checkEnv(envName);
      const app = await db.selectFrom('apps').select('id').where('code', '=', code).executeTakeFirst();
      if (!app) throw new BerthError('APP_NOT_FOUND');
      return (await readVars(app.id, env)).filter((r) => r.secret).map((r) => r.name);
    },

    async configSnapshot(code, envName) {
      const env = checkEnv(envName);
      const app = await db
        .selectFrom('apps')
        .select(['id', 'code'])
        .where('code', '=', code)
        .executeTakeFirst();
      if (!app) throw new BerthError('APP_NOT_FOUND');
      const rows = await readVars(app.id, env);
      return Object.fromEntries(
        rows.map((r) => [
          r.name,
          r.secret ? secretBox.open(r.value, configContext(app.code, env, r.name)) : r.value,
        ]),
      );
    },
  };
}
