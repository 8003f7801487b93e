// Every process of one uid, found through /proc and killed. This is how nothing an app or a build
// started survives: a build identity's processes are killed after each build step, and all of an
// app's identities' processes when the app is deleted. Process groups are not enough: a process can
// leave its group or session (setsid, double fork), but it cannot leave its uid.
//
// The kill itself is `kill -9 -1` run *as that uid*: the kernel then signals every process that
// uid may signal in one pass, which a fork cannot race (fork waits for the pass). /proc is read
// before and after to know whether anything was there and that nothing is left.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { runAsIdentity } from './run-as.ts';

const KILL_CANDIDATES = ['/usr/bin/kill', '/bin/kill'];
const ROUNDS = 20;

/** Pids of live (not zombie) processes whose real, effective, saved or file-system uid is `uid`. */
export function processesOfUid(uid: number): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let status: string;
    try {
      status = fs.readFileSync(`/proc/${entry}/status`, 'latin1');
    } catch {
      continue; // gone meanwhile
    }
    const uids = /^Uid:\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)/m.exec(status);
    if (!uids?.slice(1).some((u) => Number(u) === uid)) continue;
    if (/^State:\s+[ZX]/m.test(status)) continue;
    found.push(Number(entry));
  }
  return found;
}

/**
 * Kills every process of `uid` (never uid 0) and resolves once none is left; throws when some
 * survive every round (a process stuck in the kernel, say).
 */
export async function killUidProcesses(uid: number): Promise<number> {
  if (!Number.isInteger(uid) || uid <= 0) throw new Error(`refusing to kill the processes of uid ${uid}`);
  const killer = KILL_CANDIDATES.find((file) => fs.existsSync(file));
  let killed = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const pids = processesOfUid(uid);
    if (pids.length === 0) return killed;
    killed += pids.length;
    // berthd (root) kills what it sees; the identity's own kill -1 gets what forked meanwhile.
    for (const pid of pids) signal(pid);
    if (killer) await killAllAs(killer, uid);
    await sleep(round === 0 ? 5 : 20 * round);
  }
  const left = processesOfUid(uid);
  if (left.length === 0) return killed;
  throw new Error(`processes of uid ${uid} survived SIGKILL: ${left.join(', ')}`);
}

function signal(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** `kill -9 -1` as uid/gid `uid` (procps and util-linux both read it so): it dies with the rest. */
function killAllAs(killer: string, uid: number): Promise<void> {
  return runAsIdentity(uid, [killer, '-9', '-1']);
}
