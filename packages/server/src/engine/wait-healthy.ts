// Waits until a new instance is fit to serve: web instances answer their health path with the
// expected status; workers stay up. A crash loop, an exit or the time limit fails the wait.
import { setTimeout as sleep } from 'node:timers/promises';
import { probeHttp } from '../gateway/http-probe.ts';
import type { HealthCheck } from '../manifest/index.ts';
import type { InstanceInfo, RuntimeDriver } from '../runtime/index.ts';

export class UnhealthyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnhealthyError';
  }
}

/** Polls start quickly (most apps listen within a few hundred ms) and slow down to POLL_MS. */
const FIRST_POLL_MS = 20;
const POLL_MS = 200;
const DEAD = new Set(['crashloop', 'exited', 'stopped', 'stopping']);

async function instanceInfo(driver: RuntimeDriver, id: string, app: string): Promise<InstanceInfo> {
  const info = (await driver.list({ app })).find((i) => i.id === id);
  if (!info) throw new UnhealthyError(`instance ${id} is gone`);
  if (DEAD.has(info.state)) {
    const exit = info.lastExit;
    const how = exit ? (exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`) : 'no exit status';
    throw new UnhealthyError(`instance ${id} is ${info.state} (${how})`);
  }
  return info;
}

/** Resolves once `GET {health.path}` answers as expected; throws UnhealthyError on timeout or death. */
export async function waitHealthy(
  driver: RuntimeDriver,
  id: string,
  app: string,
  health: HealthCheck,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + health.startTimeoutMs;
  let last = 'no answer yet';
  let pollMs = FIRST_POLL_MS;
  for (;;) {
    signal.throwIfAborted();
    const info = await instanceInfo(driver, id, app);
    if (info.state === 'running' && info.address) {
      const answer = await probeHttp({
        host: info.address.host,
        port: info.address.port,
        path: health.path,
        timeoutMs: health.timeoutMs,
        signal,
      });
      signal.throwIfAborted();
      const status = answer.status;
      if (status !== undefined) {
        const ok = health.status === undefined ? status >= 200 && status < 400 : status === health.status;
        if (ok) return;
        last = `answered ${status}`;
      } else {
        last = answer.detail;
      }
    }
    if (Date.now() > deadline) {
      throw new UnhealthyError(
        `instance ${id} did not pass its health check GET ${health.path} within ${Math.round(health.startTimeoutMs / 1000)}s (${last})`,
      );
    }
    await sleep(pollMs, undefined, { signal });
    pollMs = Math.min(POLL_MS, Math.round(pollMs * 1.5));
  }
}

/** Resolves when the instance is still running, without a restart, after `ms`. */
export async function waitStaysUp(
  driver: RuntimeDriver,
  id: string,
  app: string,
  ms: number,
  signal: AbortSignal,
): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const info = await instanceInfo(driver, id, app);
    if (info.restarts > 0 || info.state === 'backoff') {
      throw new UnhealthyError(`instance ${id} crashed after starting`);
    }
    if (Date.now() >= until) return;
    await sleep(POLL_MS, undefined, { signal });
  }
}
