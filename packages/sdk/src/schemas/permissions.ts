// The wire schemas of permissions: an environment's policy (which roles may act, whether a deploy
// needs approval, named approvers) and what the caller may do. The actions and their default roles
// are plain data in ../permission-rules.ts, re-exported here.
import { type Static, Type } from '@sinclair/typebox';
import { APP_ACTIONS, ENV_ACTIONS, MAX_APPROVERS } from '../permission-rules.ts';
import { ENV_NAMES, RoleSchema } from './common.ts';

export * from '../permission-rules.ts';

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
