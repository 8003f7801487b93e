// The jobs module: a durable, store-backed job queue with leases, retries, cancel, logs and
// one-at-a-time keys; the workers that run it; and its HTTP routes.
export { type BackoffOptions, DEFAULT_BACKOFF, retryDelayMs } from './backoff.ts';
export type { JobLogEntry, JobLogLineRecord, JobLogPage } from './job-logs.ts';
export {
  createJobQueue,
  type EnqueueOptions,
  type HeartbeatResult,
  type JobCounts,
  type JobLease,
  type JobListFilter,
  type JobQueue,
  type JobQueueDeps,
  type JobQueueEvent,
  type LeasedJob,
  type TransitionHook,
} from './job-queue.ts';
export type { JobLogLevel, JobRecord, JobStatus } from './job-record.ts';
export {
  createJobWorkers,
  type JobContext,
  type JobHandler,
  type JobHandlers,
  type JobWorkers,
  type JobWorkersDeps,
} from './job-workers.ts';
export { jobsRoutes } from './jobs-routes.ts';
export {
  createJobsService,
  JOB_CANCELLERS,
  JOB_OVERSEERS,
  type JobsAudit,
  type JobsQuery,
  type JobsService,
} from './jobs-service.ts';
export { jobsMigrations } from './migrations.ts';
export {
  isPermanentFailure,
  JobAbortedError,
  type JobAbortReason,
  LeaseLostError,
  PermanentJobFailure,
  permanentFailure,
} from './permanent-failure.ts';
export { newReplicaId, ownerIsGone } from './replica-id.ts';
export {
  createScheduler,
  type Every,
  type ScheduledRun,
  type ScheduledTask,
  type ScheduleOptions,
  type Scheduler,
  type SchedulerDeps,
} from './scheduler.ts';
export { schedulesRoutes } from './schedules-routes.ts';
export { type FailureInfo, WORKER_LOST } from './settlements.ts';
