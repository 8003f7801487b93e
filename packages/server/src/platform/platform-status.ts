// The platform status an operator checks first (GET /api/v1/platform/status): berthd's version and
// Node.js, the store, the runtime, the gateway workers, the job queue and the data directory's disk
// use, and TLS certificates expiring soon or expired. Read by admins, operators and auditors.
import type { PlatformStatus, Role } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import type { JobCounts } from '../jobs/index.ts';
import type { DataDirMeter } from './data-dir-usage.ts';

/** Who may read the platform status. */
export const STATUS_READERS: readonly Role[] = ['admin', 'operator', 'auditor'];

const DAY_MS = 24 * 60 * 60 * 1000;

export interface PlatformStatusService {
  read(actor: Actor): Promise<PlatformStatus>;
}

export function createPlatformStatus(deps: {
  version: string;
  startedAt: number;
  dialect: PlatformStatus['store']['dialect'];
  driver: PlatformStatus['runtime']['driver'];
  /** The gateway driver, its workers (configured; nginx: those running), how many serve now, and
   *  the route table's sequence they serve (from the driver's `status()`). */
  gateway: {
    driver: PlatformStatus['gateway']['driver'];
    workers: () => number;
    running: () => number;
    seq: () => number;
    /** The last table the gateway did not take, until one is served again. */
    lastFailure: () => { at: number; seq: number; message: string } | null;
  };
  jobCounts: (failedSince: number) => Promise<JobCounts>;
  dataDir: DataDirMeter;
  /** TLS certificates expiring soon and expired (the domains module), when there is one. */
  certificates?: () => Promise<NonNullable<PlatformStatus['certificates']>>;
  now?: () => number;
}): PlatformStatusService {
  const now = deps.now ?? Date.now;
  return {
    async read(actor) {
      if (!STATUS_READERS.includes(actor.role)) throw new BerthError('FORBIDDEN');
      const [jobs, dataDir, certificates] = await Promise.all([
        deps.jobCounts(now() - DAY_MS),
        deps.dataDir.read(),
        deps.certificates?.(),
      ]);
      return {
        version: deps.version,
        node: process.version,
        startedAt: deps.startedAt,
        store: { dialect: deps.dialect },
        runtime: { driver: deps.driver },
        gateway: {
          driver: deps.gateway.driver,
          workers: deps.gateway.workers(),
          running: deps.gateway.running(),
          table: deps.gateway.seq(),
          lastFailure: failureOf(deps.gateway.lastFailure()),
        },
        jobs: { queued: jobs.queued, running: jobs.running, failedLastDay: jobs.failed },
        dataDir,
        ...(certificates ? { certificates } : {}),
      };
    },
  };
}

function failureOf(
  failure: { at: number; seq: number; message: string } | null,
): PlatformStatus['gateway']['lastFailure'] {
  return failure === null ? null : { at: failure.at, table: failure.seq, message: failure.message };
}
