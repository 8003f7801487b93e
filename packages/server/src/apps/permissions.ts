// Who may do what with an app: one check, `authorize(actor, action, app, env)`, used by every module
// that acts on apps. An action is allowed when the actor can see the app (developers: only apps they
// are members of; any other app looks absent, APP_NOT_FOUND) and their role is among the roles the
// action allows in that environment: the defaults (DEFAULT_ACTION_ROLES in the SDK), narrowed by the
// environment's policy. `approve` is also allowed to the users an environment names as approvers.
// Whether a deploy needs approval is the policy's `approval` flag, which the deploy engine reads from
// the result (approval is about deploys, not about who may act).
import {
  APP_ACTIONS,
  type AppAction,
  type AppPermissionsResponse,
  DEFAULT_ACTION_ROLES,
  DEFAULT_APPROVAL,
  ENV_ACTIONS,
  ENV_NAMES,
  type EnvAction,
  type EnvName,
  type EnvPolicy,
  EnvPolicyBodySchema,
  type Role,
} from '@berth/sdk';
import { BerthError, isBerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import type { Store } from '../store/store.ts';
import type { AppGuard } from './access.ts';
import type { AuditRecorder, LookupUser } from './deps.ts';
import type { AppRow } from './tables.ts';
import { validate } from './validate.ts';

/** An environment's policy with the defaults filled in. */
export interface EnvPolicyState {
  approval: boolean;
  /** Usernames that may approve besides the roles `approve` allows. */
  approvers: string[];
  /** Narrowed roles per action; an action left out allows its defaults. */
  roles: Partial<Record<EnvAction, Role[]>>;
  /** True while nobody set a policy. */
  isDefault: boolean;
}

export interface Authorized {
  app: AppRow;
  /** The environment's policy, when the check named an environment. */
  policy?: EnvPolicyState;
}

export interface Permissions {
  /** The app when the actor may do `action` (in `env`); throws APP_NOT_FOUND or FORBIDDEN. An env
   *  action checked without an environment must be allowed in every environment. */
  authorize(actor: Actor, action: AppAction, code: string, env?: EnvName): Promise<Authorized>;
  can(actor: Actor, action: AppAction, code: string, env?: EnvName): Promise<boolean>;
  /** What the actor may do with the app, per environment. */
  permissionsOf(actor: Actor, code: string): Promise<AppPermissionsResponse>;
  getPolicy(actor: Actor, code: string, env: string): Promise<EnvPolicy>;
  setPolicy(actor: Actor, code: string, env: string, input: unknown): Promise<EnvPolicy>;
  /** The environments (app code + env) in which the user is a named approver. */
  namedApproverOf(username: string): Promise<Array<{ app: string; env: EnvName }>>;
  /** Whether the environment's deploys need approval (for deploys no user starts: webhooks);
   *  APP_NOT_FOUND for an app that does not exist. */
  approvalNeeded(code: string, env: EnvName): Promise<boolean>;
}

const ENV_ACTION_SET = new Set<string>(ENV_ACTIONS);

export function isEnvAction(action: AppAction): action is EnvAction {
  return ENV_ACTION_SET.has(action);
}

/** The roles an action allows under a policy (its defaults, narrowed by the policy). */
export function rolesFor(action: AppAction, policy?: EnvPolicyState): readonly Role[] {
  const defaults = DEFAULT_ACTION_ROLES[action];
  const narrowed = policy && isEnvAction(action) ? policy.roles[action] : undefined;
  return narrowed ? defaults.filter((r) => narrowed.includes(r)) : defaults;
}

/** The pure rule: may a user of this role and name do the action under this policy? */
export function allows(
  user: { role: Role; username: string },
  action: AppAction,
  policy?: EnvPolicyState,
): boolean {
  if (rolesFor(action, policy).includes(user.role)) return true;
  return (
    action === 'approve' && user.role !== 'auditor' && (policy?.approvers.includes(user.username) ?? false)
  );
}

export function defaultPolicy(
  env: EnvName,
  approval: Record<EnvName, boolean> = DEFAULT_APPROVAL,
): EnvPolicyState {
  return { approval: approval[env], approvers: [], roles: {}, isDefault: true };
}

/** Reads a stored policy; an absent one is the defaults (`approval` when given: the installation's). */
export function parsePolicy(
  env: EnvName,
  json: string | null,
  approval: Record<EnvName, boolean> = DEFAULT_APPROVAL,
): EnvPolicyState {
  if (!json) return defaultPolicy(env, approval);
  try {
    const raw = JSON.parse(json) as Partial<EnvPolicyState>;
    const roles: Partial<Record<EnvAction, Role[]>> = {};
    for (const action of ENV_ACTIONS) {
      const list = raw.roles?.[action];
      if (Array.isArray(list)) roles[action] = list.filter((r): r is Role => typeof r === 'string') as Role[];
    }
    return {
      approval: typeof raw.approval === 'boolean' ? raw.approval : DEFAULT_APPROVAL[env],
      approvers: Array.isArray(raw.approvers) ? raw.approvers.filter((u) => typeof u === 'string') : [],
      roles,
      isDefault: false,
    };
  } catch {
    return defaultPolicy(env, approval);
  }
}

function toWire(env: EnvName, policy: EnvPolicyState): EnvPolicy {
  return {
    env,
    approval: policy.approval,
    approvers: [...policy.approvers],
    roles: { ...policy.roles },
    default: policy.isDefault,
  };
}

function checkEnv(env: string): EnvName {
  if (!(ENV_NAMES as readonly string[]).includes(env)) throw new BerthError('ENV_NOT_FOUND');
  return env as EnvName;
}

export function createPermissions(deps: {
  store: Store;
  guard: AppGuard;
  audit: AuditRecorder;
  lookupUser: LookupUser;
  /** Whether each environment needs approval while its policy was never set. */
  defaultApproval?: Record<EnvName, boolean>;
}): Permissions {
  const { db } = deps.store;
  const { guard } = deps;
  const approval = deps.defaultApproval ?? DEFAULT_APPROVAL;

  async function policies(appId: string): Promise<Record<EnvName, EnvPolicyState>> {
    const rows = await db
      .selectFrom('app_envs')
      .select(['name', 'policy'])
      .where('app_id', '=', appId)
      .execute();
    const out = { stag: defaultPolicy('stag', approval), prod: defaultPolicy('prod', approval) };
    for (const row of rows) {
      if (row.name === 'stag' || row.name === 'prod')
        out[row.name] = parsePolicy(row.name, row.policy, approval);
    }
    return out;
  }

  function forbidden(actor: Actor, action: AppAction, code: string, env?: EnvName): BerthError {
    const where = env ? ` in ${env}` : '';
    return new BerthError('FORBIDDEN', `Your role (${actor.role}) may not ${action} on ${code}${where}`);
  }

  async function authorize(
    actor: Actor,
    action: AppAction,
    code: string,
    env?: EnvName,
  ): Promise<Authorized> {
    if (!(APP_ACTIONS as readonly string[]).includes(action)) throw new Error(`unknown action ${action}`);
    const app = await guard.visible(actor, code);
    if (!isEnvAction(action)) {
      if (!allows(actor, action)) throw forbidden(actor, action, code);
      return { app };
    }
    const all = await policies(app.id);
    if (env !== undefined) {
      const policy = all[checkEnv(env)];
      if (!allows(actor, action, policy)) throw forbidden(actor, action, code, env);
      return { app, policy };
    }
    for (const name of ENV_NAMES) if (!allows(actor, action, all[name])) throw forbidden(actor, action, code);
    return { app };
  }

  return {
    authorize,

    async approvalNeeded(code, env) {
      const app = await db.selectFrom('apps').select('id').where('code', '=', code).executeTakeFirst();
      if (!app) throw new BerthError('APP_NOT_FOUND');
      return (await policies(app.id))[env].approval;
    },

    async can(actor, action, code, env) {
      try {
        await authorize(actor, action, code, env);
        return true;
      } catch (err) {
        if (isBerthError(err, 'FORBIDDEN') || isBerthError(err, 'APP_NOT_FOUND')) return false;
        throw err;
      }
    },

    async permissionsOf(actor, code) {
      const app = await guard.visible(actor, code);
      const all = await policies(app.id);
      const envOf = (env: EnvName) => ({
        actions: ENV_ACTIONS.filter((a) => allows(actor, a, all[env])),
        approval: all[env].approval,
      });
      return {
        app: app.code,
        role: actor.role,
        actions: APP_ACTIONS.filter((a) => !isEnvAction(a) && allows(actor, a)),
        envs: { stag: envOf('stag'), prod: envOf('prod') },
      };
    },

    async getPolicy(actor, code, env) {
      const name = checkEnv(env);
      const app = await guard.visible(actor, code);
      return toWire(name, (await policies(app.id))[name]);
    },

    async setPolicy(actor, code, env, input) {
      const name = checkEnv(env);
      const body = validate(EnvPolicyBodySchema, input, 'body');
      const { app } = await authorize(actor, 'policy.write', code);
      const current = (await policies(app.id))[name];
      const next: EnvPolicyState = {
        approval: body.approval ?? current.approval,
        approvers: body.approvers ?? current.approvers,
        roles: body.roles ? (body.roles as Partial<Record<EnvAction, Role[]>>) : current.roles,
        isDefault: false,
      };
      for (const [action, roles] of Object.entries(next.roles) as Array<[EnvAction, Role[]]>) {
        const extra = roles.filter((r) => !DEFAULT_ACTION_ROLES[action].includes(r));
        if (extra.length) {
          throw new BerthError(
            'VALIDATION_FAILED',
            `A policy only narrows who may ${action}: ${extra.join(', ')} may not by default`,
            [
              {
                path: `body/roles/${action}`,
                message: `allowed: ${DEFAULT_ACTION_ROLES[action].join(', ')}`,
              },
            ],
          );
        }
      }
      for (const username of next.approvers) {
        const user = await deps.lookupUser(username);
        const member =
          user?.role === 'developer'
            ? await db
                .selectFrom('app_members')
                .select('user_id')
                .where('app_id', '=', app.id)
                .where('user_id', '=', user.id)
                .executeTakeFirst()
            : undefined;
        const fits = user && !user.disabled && (user.role === 'admin' || user.role === 'operator' || member);
        if (!fits) {
          throw new BerthError(
            'VALIDATION_FAILED',
            `${username} cannot approve here: an approver is an active admin, operator or developer member of ${code}`,
            [{ path: 'body/approvers', message: `${username} cannot approve here` }],
          );
        }
      }
      const stored = { approval: next.approval, approvers: next.approvers, roles: next.roles };
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('app_envs')
          .set({ policy: JSON.stringify(stored) })
          .where('app_id', '=', app.id)
          .where('name', '=', name)
          .execute();
        await deps.audit.record(trx, {
          actor,
          action: 'app.policy.update',
          targetType: 'app',
          targetId: app.code,
          detail: { env: name, ...stored },
          ip: actor.ip,
        });
      });
      return toWire(name, next);
    },

    async namedApproverOf(username) {
      const rows = await db
        .selectFrom('app_envs')
        .innerJoin('apps', 'apps.id', 'app_envs.app_id')
        .select(['apps.code as code', 'app_envs.name as env', 'app_envs.policy as policy'])
        .where('app_envs.policy', 'is not', null)
        .execute();
      const out: Array<{ app: string; env: EnvName }> = [];
      for (const row of rows) {
        if (row.env !== 'stag' && row.env !== 'prod') continue;
        if (parsePolicy(row.env, row.policy).approvers.includes(username))
          out.push({ app: row.code, env: row.env });
      }
      return out;
    },
  };
}

/** The app when the actor may do `action` (what the apps module's services take). */
export type AppFor = (actor: Actor, action: AppAction, code: string, env?: EnvName) => Promise<AppRow>;
