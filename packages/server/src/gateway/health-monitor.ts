// The control plane's active health checks (berthd's main process only; gateway processes run
// none): each upstream of the table's proxy routes is asked `GET {path}` every interval over a
// connection of its own, opened for the check and closed after it. `fall` consecutive failures
// take an up upstream out; `rise` consecutive successes bring it back. The monitor holds the one
// view of which instances are up (the API's instance views read it); on a change it tells its
// listeners, and the control plane applies a table with `down: true` on the failed upstreams, so
// that every driver's data plane stops sending them requests. An upstream not checked yet is up:
// the deploy checks new instances before they enter the table.
//
// One timer for all upstreams: targets wait in a min-heap ordered by when their next check is due,
// and the timer is armed for the earliest. A table of 10,000 routes costs 10,000 small objects and
// one timer, not 10,000 timers and 10,000 clients.
import type { Logger } from '../logger.ts';
import { probeHttp } from './http-probe.ts';
import type { GatewayTable, HealthCheckSpec } from './route-model.ts';

export type HealthCheckSettings = Required<Omit<HealthCheckSpec, 'expectStatus'>> &
  Pick<HealthCheckSpec, 'expectStatus'>;

export const DEFAULT_HEALTH_CHECK: Readonly<HealthCheckSettings> = Object.freeze({
  path: '/',
  intervalMs: 5_000,
  timeoutMs: 2_000,
  rise: 2,
  fall: 3,
});

export interface HealthMonitor {
  /** Checks exactly the upstreams of this table's proxy routes (with each route's settings). */
  sync(table: GatewayTable): void;
  /** Whether an instance is up: false only once its checks failed `fall` times in a row (and have
   *  not passed `rise` times since). Unknown instances are up. */
  isUp(id: string): boolean;
  /** The instances that are down now. */
  down(): Set<string>;
  /** Called after an instance went down or came back up; returns a function that stops it. */
  onChange(listener: (id: string, up: boolean) => void): () => void;
  /** Runs one check of every upstream now and waits for the results (tests, and after a deploy). */
  checkNow(): Promise<void>;
  /** How many upstreams are checked. */
  size(): number;
  stop(): Promise<void>;
}

export interface HealthMonitorDeps {
  logger: Logger;
  /** Settings for routes that do not give their own. */
  defaults?: Partial<HealthCheckSettings>;
}

interface Target {
  id: string;
  host: string;
  port: number;
  up: boolean;
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

export function createHealthMonitor(deps: HealthMonitorDeps): HealthMonitor {
  const logger = deps.logger.child({ mod: 'health' });
  const defaults: HealthCheckSettings = { ...DEFAULT_HEALTH_CHECK, ...deps.defaults };
  const targets = new Map<string, Target>();
  const heap = new DueHeap();
  let timer: NodeJS.Timeout | null = null;
  let timerDue = Number.POSITIVE_INFINITY;
  let stopped = false;
  const listeners = new Set<(id: string, up: boolean) => void>();

  function setUp(target: Target, up: boolean, reason: string): void {
    target.up = up;
    const fields = { upstream: target.id, address: `${target.host}:${target.port}`, reason };
    if (up) logger.info(fields, 'instance up');
    else logger.warn(fields, 'instance down');
    for (const listener of [...listeners]) {
      try {
        listener(target.id, up);
      } catch (err) {
        logger.error({ err }, 'health listener failed');
      }
    }
  }

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
    const { settings } = target;
    const { ok, detail } = await checkOnce(target, settings);
    if (target.stopped) return;
    if (ok) {
      target.failures = 0;
      target.successes++;
      if (!target.up && target.successes >= settings.rise) {
        setUp(target, true, `health check passed ${target.successes} times (${detail})`);
      }
    } else {
      target.successes = 0;
      target.failures++;
      if (target.up && target.failures >= settings.fall) {
        setUp(target, false, `health check failed ${target.failures} times (${detail})`);
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
      const wanted = new Map<string, { host: string; port: number; settings: HealthCheckSettings }>();
      for (const route of table.routes) {
        const target = route.target;
        if (target.kind !== 'proxy') continue;
        // Routes without their own settings share one object.
        const settings = target.healthCheck === undefined ? defaults : { ...defaults, ...target.healthCheck };
        for (const u of target.upstreams) wanted.set(u.id, { host: u.host, port: u.port, settings });
      }
      // An instance that was down and now listens elsewhere (restarted on another port, its
      // container made again) starts over as up; the listeners hear so, or the table they applied
      // with it marked down would stay so, with no check left to bring it back.
      const movedWhileDown: string[] = [];
      for (const [id, target] of targets) {
        const want = wanted.get(id);
        if (want === undefined || want.host !== target.host || want.port !== target.port) {
          drop(target);
          targets.delete(id);
          if (want !== undefined && !target.up) movedWhileDown.push(id);
        }
      }
      for (const [id, { host, port, settings }] of wanted) {
        const existing = targets.get(id);
        if (existing !== undefined) {
          existing.settings = settings;
          continue;
        }
        const target: Target = {
          id,
          host,
          port,
          up: true,
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
      for (const id of movedWhileDown) setUp(targets.get(id)!, true, 'listening at a new address');
      logger.debug({ upstreams: targets.size }, 'health checks synced');
    },
    isUp(id) {
      return targets.get(id)?.up !== false;
    },
    down() {
      const down = new Set<string>();
      for (const target of targets.values()) if (!target.up) down.add(target.id);
      return down;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async checkNow() {
      await Promise.all([...targets.values()].map((t) => runCheck(t)));
    },
    size: () => targets.size,
    async stop() {
      stopped = true;
      listeners.clear();
      if (timer !== null) clearTimeout(timer);
      timer = null;
      for (const target of targets.values()) drop(target);
      targets.clear();
    },
  };
}

/** Any status below 500 is healthy unless `expectStatus` is set. */
async function checkOnce(target: Target, settings: HealthCheckSettings): Promise<ProbeResult> {
  const answer = await probeHttp({
    host: target.host,
    port: target.port,
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
