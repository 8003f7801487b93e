// Apps themselves: create (with its environments, its creator as member and its secret), list, read,
// update, delete. Each change is written with its audit record in one transaction.
import {
  type App,
  type AppListQuery,
  CreateAppBodySchema,
  type CreateAppResponse,
  ENV_NAMES,
  RESERVED_APP_CODES,
  UpdateAppBodySchema,
} from '@berth/sdk';
import { type SqlBool, sql } from 'kysely';
import type { SecretBox } from '../crypto/secret-box.ts';
import { newId } from '../crypto/tokens.ts';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import type { Logger } from '../logger.ts';
import { escapeLike, isUniqueViolation, LIKE_ESCAPE } from '../store/dialect.ts';
import { type Keyset, keysetPage, mapPage, type Page } from '../store/keyset.ts';
import type { Store } from '../store/store.ts';
import type { AppGuard } from './access.ts';
import type { AuditRecorder } from './deps.ts';
import type { AppFor } from './permissions.ts';
import { checkedPlacement, placementColumn } from './placement-service.ts';
import { appSecretContext, newAppSecret } from './secret-service.ts';
import type { AppsTable } from './tables.ts';
import { validate } from './validate.ts';
import type { AppViews } from './views.ts';

export interface AppService {
  /** The apps the actor may read (developers: their own), by code; `q` keeps those whose code or
   *  name contains it, letters in either case. */
  list(actor: Actor, query?: AppListQuery): Promise<Page<App>>;
  get(actor: Actor, code: string): Promise<App>;
  /** Returns the new app and its secret. */
  create(actor: Actor, input: unknown): Promise<CreateAppResponse>;
  update(actor: Actor, code: string, input: unknown): Promise<App>;
  remove(actor: Actor, code: string): Promise<void>;
}

const RESERVED = new Set<string>(RESERVED_APP_CODES);

/** Refuses anything but an absolute http(s) URL with a host. */
function checkLogoUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new BerthError('VALIDATION_FAILED', 'body/logoUrl is not a URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new BerthError('VALIDATION_FAILED', 'body/logoUrl must be an http(s) URL');
  }
  return value;
}

/** Code or name contains `text`: a LIKE of both sides lowered, with the pattern's own %, _ and the
 *  escape character made plain, so the same apps match on every dialect. */
function containsText(text: string) {
  const pattern = `%${escapeLike(text)}%`;
  return sql<SqlBool>`(lower(apps.code) like lower(${pattern}) escape ${sql.lit(LIKE_ESCAPE)} or lower(apps.name) like lower(${pattern}) escape ${sql.lit(LIKE_ESCAPE)})`;
}

const APP_KEYSET: Keyset<AppsTable> = {
  list: 'apps',
  order: 'asc',
  columns: [{ ref: 'apps.code', type: 'string' }],
  keyOf: (r) => [r.code],
};

export function createAppService(deps: {
  store: Store;
  audit: AuditRecorder;
  secretBox: SecretBox;
  logger: Logger;
  guard: AppGuard;
  appFor: AppFor;
  views: AppViews;
  /** Called after an app was deleted (the deploy engine stops its instances and drops its releases). */
  onAppDeleted?: ((code: string) => Promise<unknown>) | undefined;
  /** Called after an app was created (the deploy engine gives it routes). */
  onAppCreated?: ((code: string) => Promise<unknown>) | undefined;
}): AppService {
  const { db } = deps.store;
  const { guard, views, audit, appFor } = deps;

  async function view(id: string): Promise<App> {
    const row = await db.selectFrom('apps').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new BerthError('APP_NOT_FOUND');
    return (await views.toApps([row]))[0]!;
  }

  return {
    async list(actor, query = {}) {
      let apps =
        actor.role === 'developer'
          ? db
              .selectFrom('apps')
              .innerJoin('app_members', 'app_members.app_id', 'apps.id')
              .selectAll('apps')
              .where('app_members.user_id', '=', actor.userId)
          : db.selectFrom('apps').selectAll('apps');
      if (query.q !== undefined) apps = apps.where(containsText(query.q));
      const rows = await keysetPage(apps, APP_KEYSET, query);
      return mapPage(rows, (r) => views.toApps(r));
    },

    async get(actor, code) {
      const row = await appFor(actor, 'app.read', code);
      return (await views.toApps([row]))[0]!;
    },

    async create(actor, input) {
      guard.assertCanCreate(actor);
      const body = validate(CreateAppBodySchema, input, 'body');
      if (RESERVED.has(body.code)) throw new BerthError('APP_CODE_RESERVED');
      // `{code}-stag.{domain}` is app {code}'s staging host, so a code ending in -stag would collide.
      if (body.code.endsWith('-stag')) {
        throw new BerthError('APP_CODE_RESERVED', 'App codes ending in -stag are reserved for staging hosts');
      }
      const secret = newAppSecret();
      const now = Date.now();
      const row: AppsTable = {
        id: newId('app'),
        code: body.code,
        name: body.name,
        description: body.description ?? '',
        logo_url: body.logoUrl === undefined ? null : checkLogoUrl(body.logoUrl),
        secret_sealed: deps.secretBox.seal(secret, appSecretContext(body.code)),
        created_by: actor.username,
        created_at: now,
        updated_at: now,
        max_instances: null,
        placement: null,
      };
      await db.transaction().execute(async (trx) => {
        try {
          await trx.insertInto('apps').values(row).execute();
        } catch (err) {
          // The unique key on code decides races: exactly one of two concurrent creates wins.
          if (isUniqueViolation(err)) throw new BerthError('APP_CODE_TAKEN');
          throw err;
        }
        await trx
          .insertInto('app_envs')
          .values(
            ENV_NAMES.map((name) => ({
              app_id: row.id,
              name,
              created_at: now,
              config_version: 0,
              config_updated_at: null,
              policy: null,
            })),
          )
          .execute();
        await trx
          .insertInto('app_members')
          .values({ app_id: row.id, user_id: actor.userId, added_at: now, added_by: actor.username })
          .execute();
        await audit.record(trx, {
          actor,
          action: 'app.create',
          targetType: 'app',
          targetId: row.code,
          detail: { name: row.name },
          ip: actor.ip,
        });
      });
      deps.logger.info({ app: row.code, by: actor.username }, 'app created');
      await deps.onAppCreated?.(row.code).catch((err) => {
        deps.logger.warn({ err, app: row.code }, 'could not give the new app its routes');
      });
      return { app: await view(row.id), secret };
    },

    async update(actor, code, input) {
      const body = validate(UpdateAppBodySchema, input, 'body');
      const app = await appFor(actor, 'app.update', code);
      // Placement decides which machines run the app: admins and operators only.
      if (body.placement !== undefined) await appFor(actor, 'placement.write', code);
      const placement = body.placement === undefined ? undefined : checkedPlacement(body.placement);
      const changes: Partial<AppsTable> = {};
      if (placement !== undefined) changes.placement = placementColumn(placement);
      if (body.name !== undefined) changes.name = body.name;
      if (body.description !== undefined) changes.description = body.description;
      if (body.logoUrl !== undefined) {
        changes.logo_url = body.logoUrl === null ? null : checkLogoUrl(body.logoUrl);
      }
      const fields = Object.keys(body);
      await db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('apps')
          .set({ ...changes, updated_at: Date.now() })
          .where('id', '=', app.id)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) throw new BerthError('APP_NOT_FOUND');
        await audit.record(trx, {
          actor,
          action: 'app.update',
          targetType: 'app',
          targetId: app.code,
          detail: placement === undefined ? { fields } : { fields, placement },
          ip: actor.ip,
        });
      });
      return view(app.id);
    },

    async remove(actor, code) {
      const app = await appFor(actor, 'app.delete', code);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('app_config_vars').where('app_id', '=', app.id).execute();
        await trx.deleteFrom('app_envs').where('app_id', '=', app.id).execute();
        await trx.deleteFrom('app_members').where('app_id', '=', app.id).execute();
        const deleted = await trx.deleteFrom('apps').where('id', '=', app.id).executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) throw new BerthError('APP_NOT_FOUND');
        await audit.record(trx, {
          actor,
          action: 'app.delete',
          targetType: 'app',
          targetId: app.code,
          detail: { name: app.name },
          ip: actor.ip,
        });
      });
      deps.logger.info({ app: app.code, by: actor.username }, 'app deleted');
      await deps.onAppDeleted?.(app.code).catch((err) => {
        deps.logger.warn({ err, app: app.code }, 'could not remove the deleted app from the runtime');
      });
    },
  };
}
