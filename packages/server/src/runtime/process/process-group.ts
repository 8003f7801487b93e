// Signalling and stopping a whole process group. Every instance is spawned as its own group (and
// session), so its children go down with it. A process that moves itself to another group or
// session escapes this; only cgroups (the container drivers) close that gap.
import { setTimeout as sleep } from 'node:timers/promises';
import { processGroupMembers } from './proc.ts';

const POLL_MS = 50;
/** How long SIGKILLed processes get to disappear before we give up waiting. */
const KILL_WAIT_MS = 5000;

/** Sends `signal` to every process of group `pgid`; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** Resolves true once group `pgid` has no live member, false after `timeoutMs`. */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (processGroupMembers(pgid).length === 0) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(POLL_MS, Math.max(deadline - Date.now(), 1)));
  }
}

export type GroupStopOutcome = 'gone' | 'terminated' | 'killed';

/**
 * SIGTERM to the group, up to `graceMs` for it to go, then SIGKILL to whatever is left.
 * `gone`: nothing was running; `terminated`: it left within the grace; `killed`: it needed SIGKILL.
 */
export async function stopGroup(pgid: number, graceMs: number): Promise<GroupStopOutcome> {
  if (processGroupMembers(pgid).length === 0) return 'gone';
  if (!signalGroup(pgid, 'SIGTERM')) return 'gone';
  if (await waitGroupGone(pgid, graceMs)) return 'terminated';
  signalGroup(pgid, 'SIGKILL');
  await waitGroupGone(pgid, KILL_WAIT_MS);
  return 'killed';
}
