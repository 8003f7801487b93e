// What an app may use: its instance ceiling (its environments together). The platform default is
// BERTH_MAX_INSTANCES_PER_APP; an admin may set another ceiling for one app. Anyone who can read the
// app can read its limits, so the numbers a refusal names are visible before it happens.
import { type AppLimits, AppLimitsBodySchema } from '@berth/sdk';
import type { Actor } from '../identity/actor.ts';
import type { Store } from '../store/store.ts';
import type { AuditRecorder } from './deps.ts';
import type { AppFor } from './permissions.ts';
import type { AppRow } from './tables.ts';
import { validate } from './validate.ts';

export interface LimitsService {
  getLimits(actor: Actor, code: string): Promise<AppLimits>;
  /** Admins only (audited as app.limits.update); `maxInstances: null` returns to the default. */
  setLimits(actor: Actor, code: string, input: unknown): Promise<AppLimits>;
  /** The app's ceiling (for the deploy engine); the default for an app that does not exist. */
  instanceCeiling(code: string): Promise<number>;
}

export function createLimitsService(deps: {
  store: Store;
  audit: AuditRecorder;
  appFor: AppFor;
  /** The platform default (config.ts: BERTH_MAX_INSTANCES_PER_APP). */
  maxInstancesPerApp: number;
}): LimitsService {
  const { db } = deps.store;
  const limitsOf = (row: Pick<AppRow, 'max_instances'>): AppLimits =>
    row.max_instances === null
      ? { maxInstances: deps.maxInstancesPerApp, platformDefault: true }
      : { maxInstances: Number(row.max_instances), platformDefault: false };

  return {
    async getLimits(actor, code) {
      return limitsOf(await deps.appFor(actor, 'app.read', code));
    },

    async setLimits(actor, code, input) {
      const body = validate(AppLimitsBodySchema, input, 'body');
      const app = await deps.appFor(actor, 'limits.write', code);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('apps')
          .set({ max_instances: body.maxInstances, updated_at: Date.now() })
          .where('id', '=', app.id)
          .execute();
        await deps.audit.record(trx, {
          actor,
          action: 'app.limits.update',
          targetType: 'app',
          targetId: app.code,
          detail: { maxInstances: body.maxInstances },
          ip: actor.ip,
        });
      });
      return limitsOf({ max_instances: body.maxInstances });
    },

    async instanceCeiling(code) {
      const row = await db
        .selectFrom('apps')
        .select('max_instances')
        .where('code', '=', code)
        .executeTakeFirst();
      return row ? limitsOf(row).maxInstances : deps.maxInstancesPerApp;
    },
  };
}
