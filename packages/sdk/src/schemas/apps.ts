// Wire schemas of the apps module: apps, members, the app secret, environments and config vars.
import { type Static, Type } from '@sinclair/typebox';
import { MAX_PLACEMENT_CONSTRAINTS, MAX_PLACEMENT_LENGTH } from '../placement.ts';
import { AppCodeSchema, EnvNameSchema, TimestampSchema } from './common.ts';
import { DeploySchema, MAX_INSTANCES_PER_APP_DEFAULT, MAX_INSTANCES_PER_APP_LIMIT } from './engine.ts';
import { type PageQuery, pageQuerySchema, pageSchema } from './page.ts';

/** Codes that collide with platform paths or host names (`/api`, `/t/…`, `console.…`). */
export const RESERVED_APP_CODES = [
  'admin',
  'api',
  'assets',
  'auth',
  'berth',
  'console',
  'docs',
  'git',
  'healthz',
  'internal',
  'login',
  'logout',
  'metrics',
  'o',
  'platform',
  'registry',
  'static',
  'status',
  'system',
  't',
  'www',
] as const;

export const CONFIG_VAR_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,127}$';
/** Names with this prefix are set by the platform itself. */
export const RESERVED_CONFIG_PREFIX = 'BERTH_';
/** Names the platform sets for each instance (PORT: the port a web instance listens on). */
export const RESERVED_CONFIG_NAMES = ['PORT'] as const;

/** Why an app may not set a variable of this name itself, or undefined when it may. */
export function reservedConfigName(name: string): string | undefined {
  if (name.startsWith(RESERVED_CONFIG_PREFIX))
    return 'names starting with BERTH_ are reserved for the platform';
  if ((RESERVED_CONFIG_NAMES as readonly string[]).includes(name)) {
    return `${name} is set by the platform for each instance`;
  }
  return undefined;
}
/** Largest config var value, in UTF-8 bytes. */
export const CONFIG_VALUE_MAX_BYTES = 32 * 1024;
export const CONFIG_MAX_VARS_PER_ENV = 500;
/** What listings and reads show instead of a secret var's value. */
export const SECRET_MASK = '********';

// Free text: no control characters, at least one visible character.
const NAME_PATTERN = '^[^\\x00-\\x1f\\x7f]*[^\\s\\x00-\\x1f\\x7f][^\\x00-\\x1f\\x7f]*$';
const NO_NUL_PATTERN = '^[^\\x00]*$';

export const AppNameSchema = Type.String({ minLength: 1, maxLength: 64, pattern: NAME_PATTERN });
export const AppDescriptionSchema = Type.String({ maxLength: 2000, pattern: NO_NUL_PATTERN });
export const LogoUrlSchema = Type.String({
  maxLength: 2048,
  pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s\\x00-\\x1f\\x7f]+$',
  description: 'An http(s) URL of the app logo',
});

export const AppEnvSummarySchema = Type.Object({
  name: EnvNameSchema,
  url: Type.Optional(Type.String({ description: 'Where the environment is served' })),
  varCount: Type.Integer({ minimum: 0 }),
  release: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: "The current release's version; absent before the first deploy",
    }),
  ),
});
export type AppEnvSummary = Static<typeof AppEnvSummarySchema>;

export const AppSchema = Type.Object(
  {
    code: AppCodeSchema,
    name: Type.String(),
    description: Type.String(),
    logoUrl: Type.Optional(Type.String()),
    createdBy: Type.String({ description: 'Username of the creator' }),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
    members: Type.Array(Type.String(), { description: 'Usernames of the app developers' }),
    envs: Type.Array(AppEnvSummarySchema),
    placement: Type.Array(Type.String(), {
      description:
        'Swarm placement constraints on the nodes that may run the app (`node.labels.zone==a`); empty: any node. Single-host runtimes ignore them',
    }),
  },
  { $id: 'App', title: 'App' },
);
export type App = Static<typeof AppSchema>;

export const CreateAppBodySchema = Type.Object(
  {
    code: AppCodeSchema,
    name: AppNameSchema,
    description: Type.Optional(AppDescriptionSchema),
    logoUrl: Type.Optional(LogoUrlSchema),
  },
  { additionalProperties: false },
);
export type CreateAppBody = Static<typeof CreateAppBodySchema>;

export const UpdateAppBodySchema = Type.Object(
  {
    name: Type.Optional(AppNameSchema),
    description: Type.Optional(AppDescriptionSchema),
    logoUrl: Type.Optional(
      Type.Union([LogoUrlSchema, Type.Null()], { description: 'null removes the logo' }),
    ),
    placement: Type.Optional(
      Type.Array(Type.String({ maxLength: MAX_PLACEMENT_LENGTH }), {
        maxItems: MAX_PLACEMENT_CONSTRAINTS,
        description:
          'Swarm placement constraints, each `KEY==VALUE` or `KEY!=VALUE` (keys: node.id, node.hostname, node.role, node.platform.os, node.platform.arch, node.labels.NAME, engine.labels.NAME); [] clears them. Admins and operators only; takes effect at the next deploy or restart',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateAppBody = Static<typeof UpdateAppBodySchema>;

export const AppResponseSchema = Type.Object({ app: AppSchema });
export const AppListResponseSchema = pageSchema('apps', AppSchema, 'By code');
/** Longest `q` of the app list. */
export const APP_SEARCH_MAX_LENGTH = 100;
export const AppListQuerySchema = pageQuerySchema({
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: APP_SEARCH_MAX_LENGTH,
      description:
        'Only apps whose code or name contains this text (letters in either case; % and _ are plain)',
    }),
  ),
});
/** The app list's query: a search text plus the page. */
export interface AppListQuery extends PageQuery {
  q?: string;
}
export type AppListResponse = Static<typeof AppListResponseSchema>;
export const CreateAppResponseSchema = Type.Object({
  app: AppSchema,
  secret: Type.String({ description: 'The app secret (readable again later by its developers)' }),
});
export type CreateAppResponse = Static<typeof CreateAppResponseSchema>;
export const AppSecretResponseSchema = Type.Object({ secret: Type.String() });
export const AppSecretRotateResponseSchema = Type.Object({
  secret: Type.String(),
  deploys: Type.Array(DeploySchema, {
    description:
      'The restarts it started: one per environment with running instances, so no instance keeps the old secret',
  }),
});
export type AppSecretRotateResponse = Static<typeof AppSecretRotateResponseSchema>;

export const AppLimitsSchema = Type.Object(
  {
    maxInstances: Type.Integer({
      minimum: 1,
      description: `Instances the app may run, its environments together (platform default: BERTH_MAX_INSTANCES_PER_APP, ${MAX_INSTANCES_PER_APP_DEFAULT} unless set)`,
    }),
    platformDefault: Type.Boolean({ description: 'True when no admin set a ceiling for this app' }),
  },
  { $id: 'AppLimits', title: 'AppLimits' },
);
export type AppLimits = Static<typeof AppLimitsSchema>;
export const AppLimitsResponseSchema = Type.Object({ limits: AppLimitsSchema });
export type AppLimitsResponse = Static<typeof AppLimitsResponseSchema>;
export const AppLimitsBodySchema = Type.Object(
  {
    maxInstances: Type.Union(
      [Type.Integer({ minimum: 1, maximum: MAX_INSTANCES_PER_APP_LIMIT }), Type.Null()],
      { description: `1-${MAX_INSTANCES_PER_APP_LIMIT}; null returns the app to the platform default` },
    ),
  },
  { additionalProperties: false },
);
export type AppLimitsBody = Static<typeof AppLimitsBodySchema>;

export const AppMemberSchema = Type.Object({
  username: Type.String(),
  displayName: Type.String(),
  addedAt: TimestampSchema,
});
export type AppMember = Static<typeof AppMemberSchema>;
export const AppMemberListResponseSchema = pageSchema('members', AppMemberSchema, 'By username');
export type AppMemberListResponse = Static<typeof AppMemberListResponseSchema>;
export const AddAppMemberBodySchema = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }) },
  { additionalProperties: false },
);
export type AddAppMemberBody = Static<typeof AddAppMemberBodySchema>;

export const AppEnvListResponseSchema = pageSchema('envs', AppEnvSummarySchema, 'stag, then prod');
export type AppEnvListResponse = Static<typeof AppEnvListResponseSchema>;

export const ConfigVarNameSchema = Type.String({
  pattern: CONFIG_VAR_NAME_PATTERN,
  maxLength: 128,
  description: 'A letter or _, then letters, digits or _; PORT and names starting with BERTH_ are reserved',
});

export const ConfigVarSchema = Type.Object(
  {
    name: Type.String(),
    value: Type.String({ description: `The value, or "${SECRET_MASK}" for a secret var not revealed` }),
    secret: Type.Boolean(),
    updatedAt: TimestampSchema,
    updatedBy: Type.String({ description: 'Username of whoever set it last' }),
  },
  { $id: 'ConfigVar', title: 'ConfigVar' },
);
export type ConfigVar = Static<typeof ConfigVarSchema>;

export const ConfigVarSetSchema = Type.Object(
  {
    name: ConfigVarNameSchema,
    value: Type.String({ maxLength: CONFIG_VALUE_MAX_BYTES, pattern: NO_NUL_PATTERN }),
    secret: Type.Optional(
      Type.Boolean({ description: 'Store encrypted and mask it; omitted keeps the current flag' }),
    ),
  },
  { additionalProperties: false },
);
export type ConfigVarSet = Static<typeof ConfigVarSetSchema>;

export const ConfigPatchBodySchema = Type.Object(
  {
    set: Type.Optional(Type.Array(ConfigVarSetSchema, { maxItems: CONFIG_MAX_VARS_PER_ENV })),
    unset: Type.Optional(Type.Array(ConfigVarNameSchema, { maxItems: CONFIG_MAX_VARS_PER_ENV })),
  },
  { additionalProperties: false },
);
export type ConfigPatchBody = Static<typeof ConfigPatchBodySchema>;

export const ConfigVarListResponseSchema = pageSchema('vars', ConfigVarSchema, 'By name');
export type ConfigVarListResponse = Static<typeof ConfigVarListResponseSchema>;
export const ConfigChangeResponseSchema = Type.Object(
  {
    vars: Type.Array(ConfigVarSchema),
    deploy: Type.Optional(DeploySchema),
  },
  {
    description:
      'deploy: the config deploy the change started (absent when the environment runs no release). Until it succeeds the new values are stored but not running.',
  },
);
export type ConfigChangeResponse = Static<typeof ConfigChangeResponseSchema>;
export const ConfigVarResponseSchema = Type.Object({ var: ConfigVarSchema });
export const ConfigVarQuerySchema = Type.Object({
  reveal: Type.Optional(
    Type.Boolean({ default: false, description: 'Show a secret value (audited; not for auditors)' }),
  ),
});
