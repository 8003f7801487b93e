// Active health checks: each upstream in the table is asked `GET {path}` every interval over a
// connection of its own, opened for the check and closed after it (not the proxy's pool, so a
// busy pool does not fail checks, and an upstream nobody requests needs no pool at all). `fall`
// consecutive failures take an up upstream out; `rise` consecutive successes bring a down one back,
// whether it was taken out by this checker or by the proxy's passive detection (a refused
// connection).
//
// One timer for all upstreams: targets wait in a min-heap ordered by when their next check is due,
// and the timer is armed for the earliest. A table of 10,000 routes costs 10,000 small objects and
// one timer, not 10,000 timers and 10,000 clients.
import type { Logger } from '../logger.ts';
import { probeHttp } from './http-probe.ts';
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
  /** How many upstreams are checked. */
  size(): number;
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
  /** When the next check is due (performance.now() time). */
  due: number;
  /** Position in the heap, or -1 while not scheduled (a check is running, or stopped). */
  slot: number;
  running: Promise<void> | null;
  successes: number;
  failures: number;
  stopped: boolean;
}

interface ProbeResult {
  ok: boolean;
  detail: string;
}

export function createHealthChecker(deps: HealthCheckerDeps): HealthChecker {
  const { registry, logger } = deps;
  const defaults: HealthCheckSettings = { ...DEFAULT_HEALTH_CHECK, ...deps.defaults };
  const targets = new Map<string, Target>();
  const heap = new DueHeap();
  let timer: NodeJS.Timeout | null = null;
  let timerDue = Number.POSITIVE_INFINITY;
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
    target.due = performance.now() + delayMs;
    heap.update(target);
    arm();
  }

  /** Points the one timer at the earliest due check. */
  function arm(): void {
    const first = heap.peek();
    if (first === undefined) {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      timerDue = Number.POSITIVE_INFINITY;
      return;
    }
    if (timer !== null && timerDue <= first.due) return;
    if (timer !== null) clearTimeout(timer);
    timerDue = first.due;
    timer = setTimeout(fire, Math.max(0, first.due - performance.now()));
    timer.unref();
  }

  function fire(): void {
    timer = null;
    timerDue = Number.POSITIVE_INFINITY;
    if (stopped) return;
    // A millisecond of slack: timers round to whole milliseconds.
    const now = performance.now() + 1;
    for (let first = heap.peek(); first !== undefined && first.due <= now; first = heap.peek()) {
      heap.remove(first);
      const target = first;
      void runCheck(target).then(() => schedule(target, target.settings.intervalMs));
    }
    arm();
  }

  function runCheck(target: Target): Promise<void> {
    target.running ??= probe(target).finally(() => {
      target.running = null;
    });
    return target.running;
  }

  async function probe(target: Target): Promise<void> {
    const { settings, upstream } = target;
    const { ok, detail } = await checkOnce(upstream, settings);
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
    heap.remove(target);
  }

  return {
    sync(table) {
      if (stopped) return;
      const wanted = new Map<string, HealthCheckSettings>();
      for (const route of table.routes) {
        // Routes without their own settings share one object.
        const settings = route.healthCheck === undefined ? defaults : { ...defaults, ...route.healthCheck };
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
          due: 0,
          slot: -1,
          running: null,
          successes: 0,
          failures: 0,
          stopped: false,
        };
        targets.set(id, target);
        // Spread the first checks over the interval so that a big table does not check in bursts.
        target.due = performance.now() + Math.floor(Math.random() * settings.intervalMs);
        heap.update(target);
      }
      arm();
      logger.debug({ upstreams: targets.size }, 'health checks synced');
    },
    async checkNow() {
      await Promise.all([...targets.values()].map((t) => runCheck(t)));
    },
    size: () => targets.size,
    async stop() {
      stopped = true;
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
      timer = null;
      for (const target of targets.values()) drop(target);
      targets.clear();
    },
  };
}

/** Any status below 500 is healthy unless `expectStatus` is set. */
async function checkOnce(upstream: Upstream, settings: HealthCheckSettings): Promise<ProbeResult> {
  const answer = await probeHttp({
    host: upstream.host,
    port: upstream.port,
    path: settings.path,
    timeoutMs: settings.timeoutMs,
  });
  const status = answer.status;
  if (status === undefined) return { ok: false, detail: answer.detail };
  const ok = settings.expectStatus === undefined ? status < 500 : status === settings.expectStatus;
  return { ok, detail: answer.detail };
}

/** A binary min-heap of targets by `due`, each remembering its slot so that it can be moved or
 *  removed in O(log n). */
class DueHeap {
  private readonly items: Target[] = [];

  peek(): Target | undefined {
    return this.items[0];
  }

  /** Inserts the target, or moves it after its `due` changed. */
  update(target: Target): void {
    if (target.slot === -1) {
      target.slot = this.items.length;
      this.items.push(target);
    }
    this.up(target.slot);
    this.down(target.slot);
  }

  remove(target: Target): void {
    const slot = target.slot;
    if (slot === -1) return;
    target.slot = -1;
    const last = this.items.pop()!;
    if (last === target) return;
    this.items[slot] = last;
    last.slot = slot;
    this.up(slot);
    this.down(last.slot);
  }

  private up(index: number): void {
    const items = this.items;
    const item = items[index]!;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = items[parent]!;
      if (above.due <= item.due) break;
      items[index] = above;
      above.slot = index;
      index = parent;
    }
    items[index] = item;
    item.slot = index;
  }

  private down(index: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && items[right]!.due < items[left]!.due ? right : left;
      const below = items[child]!;
      if (below.due >= item.due) break;
      items[index] = below;
      below.slot = index;
      index = child;
    }
    items[index] = item;
    item.slot = index;
  }
}
