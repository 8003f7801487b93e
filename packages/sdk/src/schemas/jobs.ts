// Wire schemas of the jobs module: durable jobs (deploys, builds, every long operation) and their logs.
import { type Static, Type } from '@sinclair/typebox';
import { AppCodeSchema, AsyncErrorSchema, TimestampSchema } from './common.ts';
import { pageQuerySchema, pageSchema } from './page.ts';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const JobStatusSchema = Type.Union(
  JOB_STATUSES.map((s) => Type.Literal(s)),
  {
    description:
      'queued -> running -> succeeded | failed | cancelled; a retry goes running -> queued with a later runAt',
  },
);

export const JOB_LOG_LEVELS = ['info', 'warn', 'error'] as const;
export type JobLogLevel = (typeof JOB_LOG_LEVELS)[number];
export const JobLogLevelSchema = Type.Union(JOB_LOG_LEVELS.map((l) => Type.Literal(l)));

export const JobIdSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const JobKindSchema = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[a-z0-9][a-z0-9._:-]*$',
});

export const JobSchema = Type.Object(
  {
    id: Type.String(),
    kind: Type.String({ description: 'What the job does, e.g. deploy, build' }),
    appCode: Type.Union([Type.String(), Type.Null()], { description: 'The app the job belongs to, if any' }),
    key: Type.Union([Type.String(), Type.Null()], {
      description: 'Jobs sharing a key run one at a time, in creation order',
    }),
    status: JobStatusSchema,
    attempts: Type.Integer({ minimum: 0, description: 'How many times the job was started' }),
    maxAttempts: Type.Integer({ minimum: 1 }),
    runAt: Type.Integer({ minimum: 0, description: 'Epoch ms; not started before (retry back-off)' }),
    cancelRequested: Type.Boolean(),
    payload: Type.Unknown({ description: 'The job input (JSON)' }),
    state: Type.Unknown({ description: 'The last checkpoint of the job (JSON), null if none' }),
    result: Type.Unknown({ description: 'What the job produced (JSON), null until it succeeded' }),
    error: Type.Union([AsyncErrorSchema, Type.Null()], { description: 'The last failure' }),
    leaseOwner: Type.Union([Type.String(), Type.Null()], { description: 'The worker running it' }),
    leaseExpiresAt: Type.Union([TimestampSchema, Type.Null()]),
    createdAt: TimestampSchema,
    startedAt: Type.Union([TimestampSchema, Type.Null()], { description: 'First start' }),
    finishedAt: Type.Union([TimestampSchema, Type.Null()]),
    updatedAt: TimestampSchema,
  },
  { title: 'Job' },
);
export type Job = Static<typeof JobSchema>;

export const JobParamsSchema = Type.Object({ id: JobIdSchema });

export const JobListQuerySchema = pageQuerySchema({
  status: Type.Optional(JobStatusSchema),
  kind: Type.Optional(JobKindSchema),
  app: Type.Optional(AppCodeSchema),
});
export type JobListQuery = Static<typeof JobListQuerySchema>;

export const JobListResponseSchema = pageSchema('jobs', JobSchema, 'Newest first');
export type JobListResponse = Static<typeof JobListResponseSchema>;

export const JobResponseSchema = Type.Object({ job: JobSchema });
export type JobResponse = Static<typeof JobResponseSchema>;

export const JobLogLineSchema = Type.Object({
  seq: Type.Integer({ minimum: 1, description: 'Line number within the job, from 1' }),
  at: TimestampSchema,
  level: JobLogLevelSchema,
  line: Type.String(),
});
export type JobLogLine = Static<typeof JobLogLineSchema>;

export const JobLogsQuerySchema = Type.Object(
  {
    after: Type.Optional(
      Type.Integer({
        minimum: 0,
        default: 0,
        description: 'Return lines after this seq (0: from the start)',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 1000 })),
  },
  { additionalProperties: false },
);
export type JobLogsQuery = Static<typeof JobLogsQuerySchema>;

export const JobLogsResponseSchema = Type.Object({
  lines: Type.Array(JobLogLineSchema),
  nextAfter: Type.Integer({
    minimum: 0,
    description: 'Pass as `after` to get the next lines (to follow a running job, poll with it)',
  }),
});
export type JobLogsResponse = Static<typeof JobLogsResponseSchema>;

export const SCHEDULE_RUN_STATUSES = ['running', 'succeeded', 'failed'] as const;
export type ScheduleRunStatus = (typeof SCHEDULE_RUN_STATUSES)[number];

export const ScheduleRunSchema = Type.Object({
  periodStart: Type.Integer({ minimum: 0, description: 'Epoch ms: the start of the period this run is for' }),
  owner: Type.String({ description: 'The berthd replica that runs (or ran) it: host/pid/random' }),
  status: Type.Union(
    SCHEDULE_RUN_STATUSES.map((s) => Type.Literal(s)),
    { description: 'running (its owner holds a lease) -> succeeded | failed' },
  ),
  startedAt: TimestampSchema,
  finishedAt: Type.Union([TimestampSchema, Type.Null()]),
  leaseExpiresAt: Type.Integer({
    minimum: 0,
    description: 'Epoch ms; while running, another replica takes the period over after this',
  }),
  error: Type.Union([Type.String(), Type.Null()]),
  handedOverFrom: Type.Union([Type.String(), Type.Null()], {
    description: 'The replica whose lease ran out before it finished this period (killed or hung)',
  }),
});
export type ScheduleRun = Static<typeof ScheduleRunSchema>;

export const ScheduleSchema = Type.Object({
  name: Type.String({ description: 'What runs, e.g. engine.heal' }),
  periodMs: Type.Integer({
    minimum: 1,
    description: 'One run per period; periods are aligned to multiples of it',
  }),
  lastRun: Type.Union([ScheduleRunSchema, Type.Null()], {
    description: 'The run of the latest period, if any',
  }),
});
export type Schedule = Static<typeof ScheduleSchema>;

export const ScheduleListResponseSchema = Type.Object({
  replica: Type.String({ description: 'The replica that answered' }),
  schedules: Type.Array(ScheduleSchema),
});
export type ScheduleListResponse = Static<typeof ScheduleListResponseSchema>;
