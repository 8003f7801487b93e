// Active health checks: each upstream in the table is asked `GET {path}` every interval over its own
// small connection (not the proxy's pool, so a busy pool does not fail checks). `fall` consecutive
// failures take an up upstream out; `rise` consecutive successes bring a down one back, whether it
// was taken out by this checker or by the proxy's passive detection (a refused connection).
import { Client } from 'undici';
import type { Logger } from '../logger.ts';
import type { HealthCheckSpec, RouteTable } from './route-table.ts';
import type { Upstream, UpstreamRegistry } from './upstreams.ts';

export type HealthCheckSettings = Required<Omit<HealthCheckSpec, 'expectStatus'>> &
  Pick<HealthCheckSpec, 'expectStatus'>;

export const DEFAULT_HEALTH_CHECK: Readonly<HealthCheckSettings> = Object.freeze({
  path: '/',
  intervalMs: 5_000,
  timeoutMs: 2_000,
  rise: 2,
  fall: 3,
});

export interface HealthChecker {
  /** Checks exactly the upstreams of this table (with each route's settings). */
  sync(table: RouteTable): void;
  /** Runs one check of every upstream now and waits for the results (tests, and after a deploy). */
  checkNow(): Promise<void>;
  stop(): Promise<void>;
}

export interface HealthCheckerDeps {
  registry: UpstreamRegistry;
  logger: Logger;
  /** Settings for routes that do not give their own. */
  defaults?: Partial<HealthCheckSettings>;
}

interface Target {
  upstream: Upstream;
  settings: HealthCheckSettings;
  client: Client;
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  successes: number;
  failures: number;
  stopped: boolean;
}

export function createHealthChecker(deps: HealthCheckerDeps): HealthChecker {
  const { registry, logger } = deps;
  const defaults: HealthCheckSettings = { ...DEFAULT_HEALTH_CHECK, ...deps.defaults };
  const targets = new Map<string, Target>();
  let stopped = false;

  // A passive mark-down starts the count towards `rise` afresh.
  const unsubscribe = registry.onChange((upstream, up) => {
    const target = targets.get(upstream.id);
    if (target === undefined || target.upstream !== upstream) return;
    target.successes = 0;
    target.failures = 0;
    if (!up) schedule(target, Math.min(target.settings.intervalMs, 1_000));
  });

  function schedule(target: Target, delayMs: number): void {
    if (target.stopped) return;
    if (target.timer !== null) clearTimeout(target.timer);
    target.timer = setTimeout(() => {
      target.timer = null;
      void runCheck(target).then(() => schedule(target, target.settings.intervalMs));
    }, delayMs);
    target.timer.unref();
  }

  function runCheck(target: Target): Promise<void> {
    target.running ??= probe(target).finally(() => {
      target.running = null;
    });
    return target.running;
  }

  async function probe(target: Target): Promise<void> {
    const { settings, upstream } = target;
    let ok = false;
    let detail: string;
    try {
      const res = await target.client.request({
        path: settings.path,
        method: 'GET',
        headers: { 'user-agent': 'berth-health-check', host: `${upstream.host}:${upstream.port}` },
        headersTimeout: settings.timeoutMs,
        bodyTimeout: settings.timeoutMs,
        signal: AbortSignal.timeout(settings.timeoutMs),
      });
      await res.body.dump();
      ok =
        settings.expectStatus === undefined ? res.statusCode < 500 : res.statusCode === settings.expectStatus;
      detail = `status ${res.statusCode}`;
    } catch (err) {
      detail = (err as NodeJS.ErrnoException).code ?? (err as Error).name;
    }
    if (target.stopped) return;
    if (ok) {
      target.failures = 0;
      target.successes++;
      if (!upstream.up && target.successes >= settings.rise) {
        registry.markUp(upstream, `health check passed ${target.successes} times (${detail})`);
      }
    } else {
      target.successes = 0;
      target.failures++;
      if (upstream.up && target.failures >= settings.fall) {
        registry.markDown(upstream, `health check failed ${target.failures} times (${detail})`);
      }
    }
  }

  function drop(target: Target): void {
    target.stopped = true;
    if (target.timer !== null) clearTimeout(target.timer);
    target.timer = null;
    target.client.destroy().catch(() => {});
  }

  return {
    sync(table) {
      if (stopped) return;
      const wanted = new Map<string, HealthCheckSettings>();
      for (const route of table.routes) {
        const settings = { ...defaults, ...route.healthCheck };
        for (const spec of route.upstreams) wanted.set(spec.id, settings);
      }
      for (const [id, target] of targets) {
        const upstream = registry.get(id);
        if (!wanted.has(id) || upstream !== target.upstream) {
          drop(target);
          targets.delete(id);
        }
      }
      for (const [id, settings] of wanted) {
        const upstream = registry.get(id);
        if (upstream === undefined) continue;
        const existing = targets.get(id);
        if (existing !== undefined) {
          existing.settings = settings;
          continue;
        }
        const target: Target = {
          upstream,
          settings,
          client: new Client(upstream.origin, { pipelining: 1, connect: { timeout: settings.timeoutMs } }),
          timer: null,
          running: null,
          successes: 0,
          failures: 0,
          stopped: false,
        };
        targets.set(id, target);
        // Spread the first checks over the interval so that a big table does not check in bursts.
        schedule(target, Math.floor(Math.random() * settings.intervalMs));
      }
      logger.debug({ upstreams: targets.size }, 'health checks synced');
    },
    async checkNow() {
      await Promise.all([...targets.values()].map((t) => runCheck(t)));
    },
    async stop() {
      stopped = true;
      unsubscribe();
      for (const target of targets.values()) drop(target);
      targets.clear();
    },
  };
}
