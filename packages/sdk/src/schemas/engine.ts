// Wire schemas of the deploy engine: deploys, releases, formation, instances and app logs.
import { type Static, Type } from '@sinclair/typebox';
import { AppCodeSchema, AsyncErrorSchema, EnvNameSchema, TimestampSchema } from './common.ts';
import { JobLogLevelSchema } from './jobs.ts';
import { PageQuerySchema, pageQuerySchema, pageSchema } from './page.ts';
import { ImageReferenceSchema, SourceOriginSchema } from './sources.ts';

export const DEPLOY_KINDS = [
  'build',
  'rollback',
  'promote',
  'config',
  'restart',
  'scale',
  'stop',
  'start',
] as const;
export type DeployKind = (typeof DEPLOY_KINDS)[number];
/**
 * A deploy's lifecycle (docs/deploys.md): a deploy that needs approval starts as `requested` and
 * becomes `approved`, `refused` or `withdrawn`; an approved one (or one that needs no approval) is
 * `queued` for its job, then `running`, and ends `succeeded`, `failed` or `cancelled`.
 */
export const DEPLOY_STATUSES = [
  'requested',
  'approved',
  'refused',
  'withdrawn',
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type DeployStatus = (typeof DEPLOY_STATUSES)[number];
/** Statuses after which nothing changes. */
export const DEPLOY_FINAL_STATUSES = ['refused', 'withdrawn', 'succeeded', 'failed', 'cancelled'] as const;
/** Kinds a deploy request may ask for (an uploaded package is a `build`). */
export const REQUEST_KINDS = ['build', 'promote', 'rollback'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
/** The longest note, reason or description a request carries. */
export const REQUEST_TEXT_MAX = 2000;
/** How a release came to be: built from a package, a git commit or an image, or made from another release. */
export const RELEASE_SOURCES = ['package', 'git', 'image', 'rollback', 'promote', 'config'] as const;
export type ReleaseSource = (typeof RELEASE_SOURCES)[number];
export const RELEASE_STATUSES = ['ready', 'failed'] as const;
/** What the runtime reports of an instance (the runtime drivers' `InstanceState`). */
export const INSTANCE_STATES = [
  'starting',
  'running',
  'backoff',
  'crashloop',
  'stopping',
  'stopped',
  'exited',
] as const;
export const LOG_STREAMS = ['stdout', 'stderr'] as const;

/** Instances an app may run, its environments together, unless an admin set another ceiling for it
 *  (berthd's BERTH_MAX_INSTANCES_PER_APP changes this default). */
export const MAX_INSTANCES_PER_APP_DEFAULT = 20;
/** The highest ceiling BERTH_MAX_INSTANCES_PER_APP or an admin may set. */
export const MAX_INSTANCES_PER_APP_LIMIT = 1000;

/** Content types a package upload may use (`POST …/deploys`, the body is the raw .tar.gz or .tar). */
export const PACKAGE_CONTENT_TYPES = [
  'application/gzip',
  'application/x-tar',
  'application/octet-stream',
] as const;

const EnvParam = Type.String({ minLength: 1, maxLength: 16, description: 'stag or prod' });
export const PROCESS_TYPE_PATTERN = '^[a-z][a-z0-9_-]{0,63}$';
/** The most instances one process type may be scaled to in one request. */
export const SCALE_COUNT_MAX = 100;
const ProcessTypeSchema = Type.String({ minLength: 1, maxLength: 64, pattern: PROCESS_TYPE_PATTERN });
export const DeployIdSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

/** Why the platform started a deploy of its own accord. */
export const DEPLOY_REASONS = ['secret_rotated'] as const;
export type DeployReason = (typeof DEPLOY_REASONS)[number];

/** The approval side of a deploy that went through a request. */
export const DeployRequestInfoSchema = Type.Object({
  note: Type.Optional(Type.String({ description: "The requester's note" })),
  notBefore: Type.Optional(TimestampSchema),
  notAfter: Type.Optional(TimestampSchema),
  /** The release it deploys again, frozen when the request was filed: a promotion's stag release, a
   *  rollback's target. */
  fromVersion: Type.Optional(Type.Integer({ minimum: 1 })),
  decidedBy: Type.Optional(Type.String()),
  decidedAt: Type.Optional(TimestampSchema),
  /** The approver's or refuser's reason, or the requester's when withdrawing. */
  reason: Type.Optional(Type.String()),
});

export const DeploySchema = Type.Object(
  {
    id: Type.String(),
    app: Type.String(),
    env: EnvNameSchema,
    kind: Type.Union(DEPLOY_KINDS.map((k) => Type.Literal(k))),
    status: Type.Union(
      DEPLOY_STATUSES.map((s) => Type.Literal(s)),
      {
        description:
          'Where the deploy is in its lifecycle; deploys of one environment run one at a time (docs/deploys.md)',
      },
    ),
    release: Type.Optional(Type.Integer({ minimum: 1, description: 'The release it makes current' })),
    jobId: Type.Optional(Type.String({ description: 'The job that runs it, once queued' })),
    request: Type.Optional(DeployRequestInfoSchema),
    emergency: Type.Optional(
      Type.Object({
        reason: Type.String({ description: 'Why an operator or admin acted without approval' }),
      }),
    ),
    error: Type.Optional(AsyncErrorSchema),
    description: Type.Optional(Type.String({ description: 'What the deployer wrote, if anything' })),
    origin: Type.Optional(
      Type.Union(
        [
          SourceOriginSchema,
          Type.Object({ type: Type.Literal('git'), repository: Type.String(), ref: Type.String() }),
        ],
        {
          description:
            'build deploys: where the code comes from (a git ref is resolved to its commit when the deploy runs)',
        },
      ),
    ),
    buildId: Type.Optional(Type.String({ description: 'The build it ran or reused' })),
    trigger: Type.Optional(
      Type.String({ description: 'What started it: push:{ref} or webhook:{ref}, if either' }),
    ),
    reason: Type.Optional(
      Type.Union(
        DEPLOY_REASONS.map((r) => Type.Literal(r)),
        {
          description:
            'Why the platform itself started it: secret_rotated (a restart after the app secret was rotated)',
        },
      ),
    ),
    createdBy: Type.String(),
    createdAt: TimestampSchema,
    startedAt: Type.Optional(TimestampSchema),
    finishedAt: Type.Optional(TimestampSchema),
  },
  { $id: 'Deploy', title: 'Deploy' },
);
export type Deploy = Static<typeof DeploySchema>;

export const ReleaseSchema = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    status: Type.Union(RELEASE_STATUSES.map((s) => Type.Literal(s))),
    source: Type.Union(RELEASE_SOURCES.map((s) => Type.Literal(s))),
    createdAt: TimestampSchema,
    createdBy: Type.String(),
    current: Type.Boolean(),
    description: Type.Optional(Type.String({ description: 'What the deployer wrote, if anything' })),
    fromVersion: Type.Optional(
      Type.Integer({
        minimum: 1,
        description: 'rollback: the release rolled back to; promote: the stag release promoted',
      }),
    ),
    processes: Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
      description: 'Process types and their counts as declared by the release',
    }),
    origin: Type.Optional(SourceOriginSchema),
    buildId: Type.Optional(Type.String({ description: 'The build whose artifact the release runs' })),
  },
  { $id: 'Release', title: 'Release' },
);
export type Release = Static<typeof ReleaseSchema>;

export const InstanceViewSchema = Type.Object(
  {
    id: Type.String(),
    processType: Type.String(),
    release: Type.Integer({ minimum: 0 }),
    state: Type.Union(
      INSTANCE_STATES.map((s) => Type.Literal(s)),
      { description: 'backoff: waiting to restart after a crash; crashloop: crashed too often' },
    ),
    address: Type.Optional(Type.String({ description: 'host:port the gateway forwards to' })),
    startedAt: Type.Optional(TimestampSchema),
    restarts: Type.Integer({ minimum: 0 }),
    healthy: Type.Boolean({ description: 'Serving traffic (web) or running (workers)' }),
  },
  { title: 'Instance' },
);
export type InstanceView = Static<typeof InstanceViewSchema>;

export const EngineEnvParamsSchema = Type.Object({ code: AppCodeSchema, env: EnvParam });
export const EngineAppParamsSchema = Type.Object({ code: AppCodeSchema });
export const DeployParamsSchema = Type.Object({ id: DeployIdSchema });

export const DeployCreateQuerySchema = Type.Object(
  { description: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);
export const DeployListQuerySchema = PageQuerySchema;
export const DeployLogsQuerySchema = Type.Object(
  {
    after: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 1000 })),
  },
  { additionalProperties: false },
);

/** The `Idempotency-Key` header of deploy, promote, rollback and scale (any printable ASCII). */
export const IdempotencyHeadersSchema = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[\\x21-\\x7e]+$',
      description:
        'Sent again with the same request by the same user within 24 h, it answers with the deploy the first request started and starts nothing new; with another request: IDEMPOTENCY_KEY_REUSED',
    }),
  ),
});

export const RollbackBodySchema = Type.Object(
  {
    version: Type.Optional(
      Type.Integer({ minimum: 1, description: 'Default: the release before the current one' }),
    ),
    emergencyReason: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: REQUEST_TEXT_MAX,
        description:
          'Operators and admins: roll back at once where the environment needs approval, saying why (audited)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RollbackBody = Static<typeof RollbackBodySchema>;
export const PromoteBodySchema = Type.Object({}, { additionalProperties: false });

const RequestTextSchema = Type.String({ minLength: 1, maxLength: REQUEST_TEXT_MAX });
const RequestWindowProps = {
  notBefore: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Start no earlier than this (epoch ms), e.g. 02:00' }),
  ),
  notAfter: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'Give up if it cannot start by then (epoch ms): the deploy ends cancelled',
    }),
  ),
};

/** `POST /api/v1/apps/{code}/envs/{env}/requests`: ask for a promotion, a rollback, or a build of a
 *  git ref or an image (`kind: build` with `ref` or `image`). */
export const RequestCreateBodySchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('promote'), Type.Literal('rollback'), Type.Literal('build')]),
    ref: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 255,
        description:
          'build: the branch, tag or commit to deploy (a hosted ref is pinned to its commit when filed)',
      }),
    ),
    repository: Type.Optional(
      Type.Union([Type.Literal('hosted'), Type.Literal('external')], {
        description: 'build with ref: which repository (default hosted)',
      }),
    ),
    image: Type.Optional(ImageReferenceSchema),
    version: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          "promote: the stag release (default: stag's current); rollback: the release (default: the one before the current)",
      }),
    ),
    note: Type.Optional(RequestTextSchema),
    ...RequestWindowProps,
  },
  { additionalProperties: false },
);
export type RequestCreateBody = Static<typeof RequestCreateBodySchema>;
/** `POST /api/v1/apps/{code}/envs/{env}/requests/package`: the package is the raw body. */
export const RequestPackageQuerySchema = Type.Object(
  {
    note: Type.Optional(RequestTextSchema),
    notBefore: Type.Optional(Type.Integer({ minimum: 0 })),
    notAfter: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export const DecisionBodySchema = Type.Object(
  { reason: Type.Optional(RequestTextSchema) },
  { additionalProperties: false },
);
export const RefuseBodySchema = Type.Object({ reason: RequestTextSchema }, { additionalProperties: false });
export const REQUEST_LIST_FILTERS = ['all', 'pending', 'to-approve', 'mine'] as const;
export const RequestListQuerySchema = pageQuerySchema({
  filter: Type.Optional(
    Type.Union(
      REQUEST_LIST_FILTERS.map((f) => Type.Literal(f)),
      {
        description:
          'pending: requested or approved and not started; to-approve: pending ones you may decide; mine: yours; all (default)',
      },
    ),
  ),
  app: Type.Optional(AppCodeSchema),
});
export type RequestListQuery = Static<typeof RequestListQuerySchema>;
export const FormationBodySchema = Type.Object(
  {
    processes: Type.Record(ProcessTypeSchema, Type.Integer({ minimum: 0, maximum: SCALE_COUNT_MAX }), {
      description: `Instances per process type; types left out keep their count. The app's environments together run at most its instance ceiling (GET /api/v1/apps/{code}/limits; ${MAX_INSTANCES_PER_APP_DEFAULT} by default): more is refused with INSTANCE_LIMIT_EXCEEDED`,
    }),
  },
  { additionalProperties: false },
);
export type FormationBody = Static<typeof FormationBodySchema>;

export const DeployResponseSchema = Type.Object({ deploy: DeploySchema });
export type DeployResponse = Static<typeof DeployResponseSchema>;
export const DeployListResponseSchema = pageSchema('deploys', DeploySchema, 'Newest first');
export type DeployListResponse = Static<typeof DeployListResponseSchema>;
export const DeployLogsResponseSchema = Type.Object({
  lines: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      at: TimestampSchema,
      level: JobLogLevelSchema,
      line: Type.String(),
    }),
  ),
  nextAfter: Type.Integer({ minimum: 0 }),
});
export type DeployLogsResponse = Static<typeof DeployLogsResponseSchema>;
export const ReleaseListResponseSchema = pageSchema('releases', ReleaseSchema, 'Newest first');
export type ReleaseListResponse = Static<typeof ReleaseListResponseSchema>;
export const InstanceListResponseSchema = pageSchema(
  'instances',
  InstanceViewSchema,
  'By process type, then index',
);
export type InstanceListResponse = Static<typeof InstanceListResponseSchema>;

export const AppLogsQuerySchema = Type.Object(
  {
    process: Type.Optional(ProcessTypeSchema),
    instance: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    since: Type.Optional(Type.Integer({ minimum: 0, description: 'Epoch ms' })),
    until: Type.Optional(Type.Integer({ minimum: 0, description: 'Epoch ms' })),
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Only lines containing this text' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, default: 500 })),
    follow: Type.Optional(Type.Boolean({ description: 'Stream new lines as NDJSON until closed' })),
  },
  { additionalProperties: false },
);
export type AppLogsQuery = Static<typeof AppLogsQuerySchema>;
export const AppLogLineSchema = Type.Object({
  at: TimestampSchema,
  instance: Type.String(),
  process: Type.String(),
  stream: Type.Union(LOG_STREAMS.map((s) => Type.Literal(s))),
  line: Type.String(),
});
export type AppLogLine = Static<typeof AppLogLineSchema>;
export const AppLogsResponseSchema = Type.Object({ lines: Type.Array(AppLogLineSchema) });
export type AppLogsResponse = Static<typeof AppLogsResponseSchema>;

/** Arguments a run's command line may have (the CLI checks it before sending). */
export const RUN_ARGS_MAX = 256;
/** `POST …/run`: a one-off command in the environment's current release (`berth run`). */
export const RunBodySchema = Type.Object(
  {
    command: Type.Array(Type.String({ maxLength: 32_768 }), {
      minItems: 1,
      maxItems: RUN_ARGS_MAX,
      description: "argv (no shell): the first element is looked up on the release's PATH",
    }),
  },
  { additionalProperties: false },
);
export type RunBody = Static<typeof RunBodySchema>;
/** One NDJSON frame of a run's answer: output as it comes, then one `exit` frame last (or an
 *  `error` frame when it could not start, e.g. no such program). */
export const RunFrameSchema = Type.Union([
  Type.Object({
    error: Type.Object({ code: Type.String(), message: Type.String() }),
  }),
  Type.Object({
    stream: Type.Union(LOG_STREAMS.map((s) => Type.Literal(s))),
    data: Type.String(),
  }),
  Type.Object({
    exit: Type.Union([Type.Integer(), Type.Null()], {
      description: 'The exit code; null when the process was killed by a signal',
    }),
    release: Type.Integer({ minimum: 1 }),
    signal: Type.Optional(Type.String()),
    killed: Type.Optional(
      Type.Union([Type.Literal('timeout'), Type.Literal('aborted')], {
        description: 'timeout: it ran longer than BERTH_RUN_TIMEOUT',
      }),
    ),
  }),
]);
export type RunFrame = Static<typeof RunFrameSchema>;
