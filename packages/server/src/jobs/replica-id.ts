// Who a berthd process is among the replicas sharing a store: `{host}/{pid}/{random}`. Job leases
// and scheduled runs name their owner with it; a gone owner of this host is recognised by its pid.
import crypto from 'node:crypto';
import os from 'node:os';

/** This host's part of a replica id. */
function replicaHost(): string {
  return os.hostname().slice(0, 80);
}

/** A new id for this process: host name, pid and a random suffix (a reused pid is another replica). */
export function newReplicaId(): string {
  return `${replicaHost()}/${process.pid}/${crypto.randomBytes(3).toString('hex')}`;
}

/**
 * True for a replica of this host whose process no longer exists: a berthd that died (kill -9, a
 * crash) while it held leases. They need not run out before another replica takes its work.
 * Replicas of other hosts, this process, or a live process (perhaps a reused pid) are not gone.
 */
export function ownerIsGone(owner: string): boolean {
  const [host, pidText] = owner.split('/');
  const pid = Number(pidText);
  if (host !== replicaHost() || !Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
