// Who may do what with an app: actions, the roles each allows by default, and the per-environment
// policy (which roles may act, whether a deploy needs approval, named approvers). The server decides
// with these lists (apps/permissions.ts); the console shows them; docs/permissions.md explains them.
import { type Static, Type } from '@sinclair/typebox';
import { ENV_NAMES, type EnvName, type Role, RoleSchema } from './common.ts';

/** Everything a user can do with an app, one word each. */
export const APP_ACTIONS = [
  'app.read',
  'app.update',
  'app.delete',
  'members.write',
  'config.write',
  'secret.reveal',
  'secret.rotate',
  'limits.write',
  'policy.write',
  'notify.read',
  'notify.write',
  'deploy',
  'deploy.request',
  'approve',
  'rollback',
  'rollback.emergency',
  'operate',
  'run',
] as const;
export type AppAction = (typeof APP_ACTIONS)[number];

/** Actions decided per environment (the others are about the app as a whole). */
export const ENV_ACTIONS = [
  'config.write',
  'deploy',
  'deploy.request',
  'approve',
  'rollback',
  'rollback.emergency',
  'operate',
  'run',
] as const satisfies readonly AppAction[];
export type EnvAction = (typeof ENV_ACTIONS)[number];

/** Actions that change which code serves: direct only where the environment needs no approval. */
export const APPROVAL_ACTIONS = ['deploy', 'rollback'] as const satisfies readonly EnvAction[];

/** What each action covers, for the docs and the console. */
export const APP_ACTION_DESCRIPTIONS: Record<AppAction, string> = {
  'app.read': 'see the app: metadata, masked config, members, deploys, releases, instances, logs, jobs',
  'app.update': "change the app's name, description and logo",
  'app.delete': 'delete the app with its releases, instances and data',
  'members.write': 'add and remove members',
  'config.write': "set and unset an environment's config vars (redeploys it with the new config)",
  'secret.reveal': 'read the app secret and secret config values',
  'secret.rotate': 'replace the app secret',
  'limits.write': "set the app's instance ceiling",
  'policy.write': "change an environment's policy (roles, approval, approvers)",
  'notify.read': "see the app's notification subscriptions and deliveries",
  'notify.write': 'subscribe the app to notification channels',
  deploy: 'deploy directly: a package, a promotion from stag',
  'deploy.request': 'file a deploy request, withdraw your own',
  approve: "approve or refuse others' deploy requests",
  rollback: 'roll back to an earlier release directly',
  'rollback.emergency': 'roll back at once where approval is needed, giving a reason (audited)',
  operate: 'restart, scale, stop and start; cancel a deploy',
  run: 'run one-off commands in a release (berth run)',
};

const EVERY: readonly Role[] = ['admin', 'operator', 'developer', 'auditor'];
const BUILDERS: readonly Role[] = ['admin', 'operator', 'developer'];
const STAFF: readonly Role[] = ['admin', 'operator'];

/**
 * The roles each action allows when an environment's policy does not narrow it. Developers act only
 * on apps they are members of (any other app looks absent to them); auditors only read.
 */
export const DEFAULT_ACTION_ROLES: Record<AppAction, readonly Role[]> = {
  'app.read': EVERY,
  'app.update': BUILDERS,
  'app.delete': BUILDERS,
  'members.write': BUILDERS,
  'config.write': BUILDERS,
  'secret.reveal': BUILDERS,
  'secret.rotate': BUILDERS,
  'limits.write': ['admin'],
  'policy.write': STAFF,
  'notify.read': EVERY,
  'notify.write': BUILDERS,
  deploy: BUILDERS,
  'deploy.request': BUILDERS,
  approve: STAFF,
  rollback: BUILDERS,
  'rollback.emergency': STAFF,
  operate: BUILDERS,
  run: BUILDERS,
};

/** Whether each environment needs approval for deploys and rollbacks when its policy was never set. */
export const DEFAULT_APPROVAL: Record<EnvName, boolean> = { stag: false, prod: true };

/** Most named approvers an environment may have. */
export const MAX_APPROVERS = 20;

const EnvActionRolesSchema = Type.Object(
  Object.fromEntries(ENV_ACTIONS.map((a) => [a, Type.Optional(Type.Array(RoleSchema, { maxItems: 4 }))])),
  {
    additionalProperties: false,
    description:
      "Narrows the roles an action allows in this environment (a subset of the action's defaults); absent: the defaults",
  },
);

export const EnvPolicySchema = Type.Object(
  {
    env: Type.Union(ENV_NAMES.map((e) => Type.Literal(e))),
    /** Deploys and rollbacks go through an approved request. */
    approval: Type.Boolean(),
    /** Users who may approve besides operators and admins (they must be able to see the app). */
    approvers: Type.Array(Type.String()),
    roles: EnvActionRolesSchema,
    /** True until someone set a policy: the values are the defaults. */
    default: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type EnvPolicy = Static<typeof EnvPolicySchema>;

export const EnvPolicyBodySchema = Type.Object(
  {
    approval: Type.Optional(Type.Boolean()),
    approvers: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        maxItems: MAX_APPROVERS,
        uniqueItems: true,
      }),
    ),
    roles: Type.Optional(EnvActionRolesSchema),
  },
  { additionalProperties: false },
);
export type EnvPolicyBody = Static<typeof EnvPolicyBodySchema>;
export const EnvPolicyResponseSchema = Type.Object({ policy: EnvPolicySchema });
export type EnvPolicyResponse = Static<typeof EnvPolicyResponseSchema>;

const ActionListSchema = Type.Array(Type.Union(APP_ACTIONS.map((a) => Type.Literal(a))));

const EnvPermissionsSchema = Type.Object({
  actions: ActionListSchema,
  /** Deploys and rollbacks here need an approved request. */
  approval: Type.Boolean(),
});

/** What the caller may do with the app, per environment (for clients to show or hide actions). */
export const AppPermissionsResponseSchema = Type.Object({
  app: Type.String(),
  role: RoleSchema,
  /** App-wide actions (those not in ENV_ACTIONS). */
  actions: ActionListSchema,
  envs: Type.Object({ stag: EnvPermissionsSchema, prod: EnvPermissionsSchema }),
});
export type AppPermissionsResponse = Static<typeof AppPermissionsResponseSchema>;
