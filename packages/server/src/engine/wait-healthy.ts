// Waits until a new instance is fit to serve: web instances answer their health path with the
// expected status; workers stay up. A crash loop, an exit or the time limit fails the wait, with
// what was last seen (the probe's answer, the instance's exit) for the deploy log to explain.
// While it waits it reports progress every few seconds: what is probed and what answered.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ProbeAnswer, probeHttp } from '../gateway/http-probe.ts';
import type { HealthCheck } from '../manifest/index.ts';
import type { InstanceExit, InstanceInfo, RuntimeDriver } from '../runtime/index.ts';

export class UnhealthyError extends Error {
  constructor(
    message: string,
    /** The instance exited or crashed (its own doing), as opposed to not answering in time. */
    readonly crashed: boolean,
    /** The instance as last seen (undefined when it was gone). */
    readonly info: InstanceInfo | undefined,
    /** The health probe's last answer, when one was made. */
    readonly answer?: ProbeAnswer,
  ) {
    super(message);
    this.name = 'UnhealthyError';
  }
}

/** Polls start quickly (most apps listen within a few hundred ms) and slow down to POLL_MS. */
const FIRST_POLL_MS = 20;
const POLL_MS = 200;
/** How often the wait says what it sees. */
export const PROGRESS_MS = 3000;
const CRASHED = new Set(['crashloop', 'exited']);
const GONE = new Set(['stopped', 'stopping']);

export type ProgressLog = (line: string) => void;

/** `exit code 3`, `signal SIGKILL`, or `exit code 137 (killed by SIGKILL)`: containers report a
 *  process killed by signal N as 128+N (SIGKILL is also what the memory limit sends). */
export function describeExit(exit: InstanceExit | undefined): string {
  if (!exit) return 'no exit status';
  if (exit.signal) return `signal ${exit.signal}`;
  if (exit.code === null) return 'an unknown exit';
  const signal = exit.code > 128 ? signalName(exit.code - 128) : undefined;
  return signal ? `exit code ${exit.code} (killed by ${signal})` : `exit code ${exit.code}`;
}

function signalName(n: number): string | undefined {
  return Object.entries(os.constants.signals).find(([, value]) => value === n)?.[0];
}

/** A probe answer in words: `connection refused`, `status 500`, `no answer within 2s`. */
export function describeAnswer(answer: ProbeAnswer, timeoutMs: number): string {
  if (answer.status !== undefined) return `status ${answer.status}`;
  switch (answer.detail) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'timeout':
      return `no answer within ${formatSeconds(timeoutMs)}`;
    default:
      return answer.detail;
  }
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}

/** The instance's short name in the deploy log: `web.1 (<id>)`. */
export function instanceName(info: Pick<InstanceInfo, 'id' | 'processType' | 'index'>): string {
  return `${info.processType}.${info.index} (${info.id})`;
}

/** Crashed at least once (restarted, or waiting to be). */
function hasCrashed(info: InstanceInfo): boolean {
  return info.restarts > 0 || info.state === 'backoff';
}

/** The instance as the driver sees it now; an UnhealthyError (with the probe's last answer) when
 *  it crashed, exited or is gone. */
async function instanceInfo(
  driver: RuntimeDriver,
  id: string,
  app: string,
  answer: ProbeAnswer | undefined,
): Promise<InstanceInfo> {
  const info = (await driver.list({ app })).find((i) => i.id === id);
  if (!info) throw new UnhealthyError(`instance ${id} is gone`, false, undefined, answer);
  if (CRASHED.has(info.state)) {
    const how = describeExit(info.lastExit);
    const what =
      info.state === 'crashloop' ? `crashed ${info.restarts + 1} times (last: ${how})` : `exited (${how})`;
    throw new UnhealthyError(`${instanceName(info)} ${what} before it was healthy`, true, info, answer);
  }
  if (GONE.has(info.state)) throw new UnhealthyError(`instance ${id} is ${info.state}`, false, info, answer);
  return info;
}

/** Resolves once `GET {health.path}` answers as expected; throws UnhealthyError on timeout or death. */
export async function waitHealthy(
  driver: RuntimeDriver,
  id: string,
  app: string,
  health: HealthCheck,
  signal: AbortSignal,
  progress: ProgressLog = () => {},
): Promise<void> {
  const began = Date.now();
  const deadline = began + health.startTimeoutMs;
  let answer: ProbeAnswer | undefined;
  let info: InstanceInfo | undefined;
  let pollMs = FIRST_POLL_MS;
  let nextProgress = began + PROGRESS_MS;
  for (;;) {
    signal.throwIfAborted();
    info = await instanceInfo(driver, id, app, answer);
    if (info.state === 'running' && info.address) {
      answer = await probeHttp({
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
      }
    }
    const now = Date.now();
    if (now > deadline) {
      const limit = formatSeconds(health.startTimeoutMs);
      if (hasCrashed(info)) {
        throw new UnhealthyError(
          `${instanceName(info)} kept crashing (last: ${describeExit(info.lastExit)}) and was not healthy within ${limit}`,
          true,
          info,
          answer,
        );
      }
      const last = answer ? describeAnswer(answer, health.timeoutMs) : `it was ${info.state}`;
      throw new UnhealthyError(
        `${instanceName(info)} did not pass its health check GET ${health.path} within ${limit} (last answer: ${last})`,
        false,
        info,
        answer,
      );
    }
    if (now >= nextProgress) {
      nextProgress = now + PROGRESS_MS;
      progress(`       ${progressLine(info, health, answer, now - began)}`);
    }
    await sleep(pollMs, undefined, { signal });
    pollMs = Math.min(POLL_MS, Math.round(pollMs * 1.5));
  }
}

function progressLine(
  info: InstanceInfo,
  health: HealthCheck,
  answer: ProbeAnswer | undefined,
  elapsedMs: number,
): string {
  const when = `(${formatSeconds(elapsedMs)} of ${formatSeconds(health.startTimeoutMs)})`;
  const name = instanceName(info);
  if (info.state === 'backoff') {
    return `${name} crashed (${describeExit(info.lastExit)}); restarting it ${when}`;
  }
  const restarted =
    info.restarts > 0 ? `, restarted ${info.restarts} time(s) (last: ${describeExit(info.lastExit)})` : '';
  if (info.state !== 'running' || !info.address || !answer)
    return `${name} is ${info.state}${restarted} ${when}`;
  // The port the app was given ($PORT); the probe may reach it through another (a container's).
  const port = info.port ?? info.address.port;
  return `${name}: GET ${health.path} on port ${port}: ${describeAnswer(answer, health.timeoutMs)}${restarted} ${when}`;
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
    const info = await instanceInfo(driver, id, app, undefined);
    if (hasCrashed(info)) {
      throw new UnhealthyError(
        `${instanceName(info)} crashed after starting (${describeExit(info.lastExit)})`,
        true,
        info,
      );
    }
    if (Date.now() >= until) return;
    await sleep(POLL_MS, undefined, { signal });
  }
}
