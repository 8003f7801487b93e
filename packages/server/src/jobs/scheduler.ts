// Periodic work shared by every berthd on one store: each schedule's periods are aligned
// (floor(now / period) * period) and each period is run by one replica, the one whose insert of the
// period's row won (schedule-runs.ts). The owner extends its lease while the task runs; a period
// whose owner died (its lease ran out unfinished) is taken over and run again by another replica,
// which records whom it took it from. Each replica asks every min(period / 4, 1 s), plus jitter so
// that replicas do not ask in step; a period already claimed is skipped, and missed past periods
// (the replica was down) are not run.
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import {
  type ClaimedRun,
  claimDue,
  deleteRunsBefore,
  extendLease,
  finishRun,
  recentRuns,
  type ScheduleRun,
} from './schedule-runs.ts';

/** What a task is told about the period it runs for. */
export interface ScheduledRun {
  /** Epoch ms, a multiple of the period. */
  periodStart: number;
  /** Set when this replica took the period over from one whose lease ran out. */
  handedOverFrom: string | null;
  /** Aborts when the period was lost (taken over) or berthd stops. */
  signal: AbortSignal;
}

/** The work of one period. */
export type ScheduledTask = (run: ScheduledRun) => Promise<void>;

export interface ScheduleOptions {
  /** How long a run's owner holds the period between heartbeats (default: the scheduler's). */
  leaseMs?: number;
}

/** Registers periodic work: `task` runs once per `periodMs`, on one replica. */
export type Every = (name: string, periodMs: number, task: ScheduledTask, options?: ScheduleOptions) => void;

export interface SchedulerDeps {
  store: Store;
  logger: Logger;
  /** This berthd's replica id (newReplicaId()): owner of the periods it runs. */
  replica: string;
  /** Default lease of a run (default 30 s); another replica takes a dead owner's period after it. */
  leaseMs?: number;
  /** How long stop() waits for running tasks before it aborts them (default 10 s). */
  stopGraceMs?: number;
  now?: () => number;
  random?: () => number;
}

export interface ScheduleView {
  name: string;
  periodMs: number;
  /** Newest period first. */
  runs: ScheduleRun[];
}

export interface Scheduler {
  readonly replica: string;
  every: Every;
  /** Starts asking for due periods (schedules registered later start at once). */
  start(): void;
  /** Stops asking; waits for running tasks up to stopGraceMs, then aborts them and returns. */
  stop(): Promise<void>;
  /** The registered schedules with their latest `runs` runs. */
  overview(runs?: number): Promise<ScheduleView[]>;
  /** Deletes old runs: of each schedule those of periods before the last 100 periods and the last
   *  hour, whichever reaches further back; of schedules nobody registers, those older than 7 days. */
  purgeRuns(): Promise<number>;
}

const HOUR_MS = 3_600_000;
const KEPT_PERIODS = 100;
const ORPHAN_RETENTION_MS = 7 * 24 * HOUR_MS;
const MAX_ERROR_CHARS = 2000;

interface Schedule {
  name: string;
  periodMs: number;
  leaseMs: number;
  task: ScheduledTask;
  timer: NodeJS.Timeout | undefined;
  /** A claim in flight (stop() waits for it, so a period claimed meanwhile still runs and ends). */
  ticking: Promise<void> | undefined;
  running: { done: Promise<void>; abort: AbortController } | undefined;
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { store, replica } = deps;
  const logger = deps.logger.child({ mod: 'scheduler', replica });
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const defaultLeaseMs = deps.leaseMs ?? 30_000;
  const stopGraceMs = deps.stopGraceMs ?? 10_000;
  const schedules = new Map<string, Schedule>();
  let started = false;
  let stopped = false;

  const arm = (s: Schedule) => {
    if (!started || stopped) return;
    const base = Math.min(s.periodMs / 4, 1000);
    s.timer = setTimeout(
      () => {
        s.ticking = tick(s).finally(() => {
          s.ticking = undefined;
        });
      },
      Math.round(base + random() * base * 0.25),
    );
    s.timer.unref();
  };

  const tick = async (s: Schedule) => {
    try {
      if (s.running === undefined) {
        const run = await claimDue(store.db, {
          schedule: s.name,
          periodMs: s.periodMs,
          replica,
          leaseMs: s.leaseMs,
          now: now(),
        });
        if (run !== undefined) runPeriod(s, run);
      }
    } catch (err) {
      logger.warn({ err, schedule: s.name }, 'could not claim a scheduled period');
    }
    arm(s);
  };

  const runPeriod = (s: Schedule, run: ClaimedRun) => {
    const abort = new AbortController();
    const log = logger.child({ schedule: s.name, period: run.periodStart });
    if (run.handedOverFrom !== null) log.info({ from: run.handedOverFrom }, 'scheduled period taken over');
    const heartbeat = setInterval(
      () => {
        extendLease(store.db, run, { replica, leaseMs: s.leaseMs, now: now() }).then(
          (kept) => {
            if (!kept) abort.abort(new Error('the period was taken over'));
          },
          (err) => log.warn({ err }, 'could not extend a scheduled run lease'),
        );
      },
      Math.max(10, Math.floor(s.leaseMs / 3)),
    );
    heartbeat.unref();
    const done = (async () => {
      let error: string | null = null;
      try {
        await s.task({
          periodStart: run.periodStart,
          handedOverFrom: run.handedOverFrom,
          signal: abort.signal,
        });
      } catch (err) {
        error = (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_CHARS);
        log.warn({ err }, 'scheduled task failed');
      } finally {
        clearInterval(heartbeat);
      }
      try {
        const recorded = await finishRun(store.db, run, { replica, now: now(), error });
        if (!recorded) log.warn('scheduled period was taken over before it finished');
      } catch (err) {
        log.warn({ err }, 'could not record a scheduled run; its lease will run out');
      }
    })().finally(() => {
      s.running = undefined;
    });
    s.running = { done, abort };
  };

  return {
    replica,
    every(name, periodMs, task, options = {}) {
      if (schedules.has(name)) throw new Error(`schedule ${name} is registered already`);
      if (!(periodMs > 0)) throw new Error(`schedule ${name}: the period must be positive`);
      const s: Schedule = {
        name,
        periodMs,
        leaseMs: options.leaseMs ?? defaultLeaseMs,
        task,
        timer: undefined,
        ticking: undefined,
        running: undefined,
      };
      schedules.set(name, s);
      arm(s);
    },
    start() {
      if (started) return;
      started = true;
      for (const s of schedules.values()) arm(s);
    },
    async stop() {
      stopped = true;
      for (const s of schedules.values()) clearTimeout(s.timer);
      await Promise.all([...schedules.values()].map((s) => s.ticking));
      const running = [...schedules.values()].flatMap((s) => (s.running ? [s.running] : []));
      if (running.length === 0) return;
      let timer: NodeJS.Timeout | undefined;
      const first = await Promise.race([
        Promise.all(running.map((r) => r.done)).then(() => 'done' as const),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), stopGraceMs);
        }),
      ]);
      clearTimeout(timer);
      if (first === 'timeout') {
        // Their leases run out and another replica runs their periods again.
        logger.warn('scheduled tasks did not finish in time; aborted and left to their leases');
        for (const r of running) r.abort.abort(new Error('berthd is stopping'));
      }
    },
    async overview(runs = 1) {
      const views: ScheduleView[] = [];
      for (const s of schedules.values()) {
        views.push({ name: s.name, periodMs: s.periodMs, runs: await recentRuns(store.db, s.name, runs) });
      }
      return views;
    },
    async purgeRuns() {
      const at = now();
      let removed = 0;
      for (const s of schedules.values()) {
        const cutoff = at - Math.max(HOUR_MS, KEPT_PERIODS * s.periodMs);
        removed += await deleteRunsBefore(store.db, { schedule: s.name, cutoff, now: at });
      }
      removed += await deleteRunsBefore(store.db, { cutoff: at - ORPHAN_RETENTION_MS, now: at });
      return removed;
    },
  };
}
