// Wire schemas shared by berthd (validation + OpenAPI), the CLI and the console.
import { type Static, Type } from '@sinclair/typebox';

export const ROLES = ['admin', 'operator', 'developer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];
export const RoleSchema = Type.Union(
  ROLES.map((r) => Type.Literal(r)),
  { description: 'admin: everything; operator: all apps; developer: own apps; auditor: read only' },
);

export const ENV_NAMES = ['stag', 'prod'] as const;
export type EnvName = (typeof ENV_NAMES)[number];
export const EnvNameSchema = Type.Union(
  ENV_NAMES.map((e) => Type.Literal(e)),
  { description: 'stag is served at /t/{code}/, prod at /o/{code}/' },
);

/** Where the apps origin serves an environment: `/t/{code}` (stag) or `/o/{code}` (prod), no slash at
 *  the end. The one copy of this rule outside the gateway's route table. */
export function envPathPrefix(code: string, env: EnvName): string {
  return `/${env === 'prod' ? 'o' : 't'}/${code}`;
}

export const APP_CODE_PATTERN = '^[a-z][a-z0-9_-]{1,29}$';
export const AppCodeSchema = Type.String({
  pattern: APP_CODE_PATTERN,
  minLength: 2,
  maxLength: 30,
  description: 'Unique, immutable app code: a lowercase letter, then 1-29 of a-z 0-9 _ -',
});

export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable error code, see docs/errors.md' }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  {
    $id: 'Error',
    title: 'Error',
    description: 'Every error berthd answers; `details` depends on the code (docs/errors.md)',
  },
);
export type ErrorBody = Static<typeof ErrorBodySchema>;

/** Why a deploy or a job failed, recorded when it failed (not an HTTP error of the request). */
export const AsyncErrorSchema = Type.Object(
  {
    code: Type.String({
      description:
        'Stable error code from docs/errors.md (those marked async); DEPLOY_FAILED or JOB_FAILED otherwise',
    }),
    message: Type.String({ description: 'For people; may change' }),
  },
  { title: 'AsyncError' },
);
export type AsyncError = Static<typeof AsyncErrorSchema>;

/** Epoch milliseconds. */
export const TimestampSchema = Type.Integer({ minimum: 0, description: 'Epoch milliseconds' });

export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  version: Type.String(),
  store: Type.Object({
    dialect: Type.String(),
    reachable: Type.Boolean(),
  }),
});
export type Health = Static<typeof HealthSchema>;
