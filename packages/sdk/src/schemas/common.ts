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

const count = (description: string) => Type.Integer({ minimum: 0, description });

/** `GET /api/v1/platform/status`: what an operator checks first (admin, operator, auditor). */
export const PlatformStatusSchema = Type.Object(
  {
    version: Type.String({ description: "berthd's version" }),
    node: Type.String({ description: 'The Node.js version berthd runs on, e.g. v24.11.0' }),
    startedAt: TimestampSchema,
    store: Type.Object({
      dialect: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres'), Type.Literal('mysql')]),
    }),
    runtime: Type.Object({
      driver: Type.Union([Type.Literal('process'), Type.Literal('docker'), Type.Literal('swarm')], {
        description: 'Where app instances run (BERTH_RUNTIME)',
      }),
    }),
    gateway: Type.Object({
      driver: Type.Union([Type.Literal('builtin'), Type.Literal('nginx')], {
        description: "The data plane carrying the apps' traffic (BERTH_GATEWAY)",
      }),
      workers: count(
        'Gateway worker processes: built-in, those configured (BERTH_GATEWAY_WORKERS; 0: berthd serves the apps port itself); nginx, its worker processes running',
      ),
      running: count('Gateway workers serving now'),
      table: Type.Integer({
        description: 'Sequence of the route table every gateway process confirmed serving (-1: none yet)',
      }),
      lastFailure: Type.Union(
        [
          Type.Object({
            at: TimestampSchema,
            table: Type.Integer({ description: 'Sequence of the table the gateway did not take' }),
            message: Type.String({
              description: "The driver's error and the data plane's own words (nginx -t)",
            }),
          }),
          Type.Null(),
        ],
        {
          description:
            'The last route table the gateway refused or did not confirm, until a later one is served (null: none). The tables before it keep serving.',
        },
      ),
    }),
    jobs: Type.Object({
      queued: count('Jobs waiting to run'),
      running: count('Jobs running now'),
      failedLastDay: count('Jobs that failed in the last 24 hours'),
    }),
    dataDir: Type.Object(
      {
        path: Type.String({ description: 'The data directory (BERTH_DATA_DIR)' }),
        usedBytes: count('Disk space its files take (each file once, links not followed)'),
        freeBytes: count('Free space of its file system, as far as berthd may use it'),
        totalBytes: count('Size of its file system'),
        measuredAt: TimestampSchema,
      },
      {
        description:
          'Measured in the background at most once a minute: the answer carries the last measurement and when it was taken',
      },
    ),
    certificates: Type.Optional(
      Type.Object(
        {
          warnDays: count('The warning window in days (BERTH_CERT_WARN_DAYS)'),
          expiringSoon: count('TLS certificates that expire within the warning window'),
          expired: count('TLS certificates past their expiry that are still stored'),
          soonest: Type.Optional(
            Type.Object({ id: Type.String(), names: Type.Array(Type.String()), notAfter: TimestampSchema }),
          ),
        },
        { description: 'Uploaded and ACME certificates (custom domains); present with the domains module' },
      ),
    ),
  },
  { $id: 'PlatformStatus', title: 'PlatformStatus' },
);
export type PlatformStatus = Static<typeof PlatformStatusSchema>;
