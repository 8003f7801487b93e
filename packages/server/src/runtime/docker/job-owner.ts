// Whose a one-off job is (a release command's or `berth run`'s container on Docker, its replicated
// job on Swarm) and when a `recover()` may take it away. Several berthd replicas can share one
// engine or swarm: a job carries the replica that follows it (`berth.replica`, jobs/replica-id.ts)
// and the time by which it has ended in any case (`berth.deadline`, epoch ms: its start, its time
// limit and a margin). A job is abandoned, and removed by the next `recover()` or Swarm sync, when
// its replica is gone (a berthd of this host whose process no longer exists), when its deadline
// passed (its replica, of whatever host, would have killed it by then), or when it has no replica
// label (made by a berthd from before the labels).
import { ownerIsGone } from '../../jobs/replica-id.ts';

export const REPLICA_LABEL = 'berth.replica';
export const DEADLINE_LABEL = 'berth.deadline';
/** Beyond the time limit: the kill, the log's end and the removal of the job take a moment. */
export const DEADLINE_MARGIN_MS = 2 * 60_000;

/** The labels of a job that `replica` starts at `now` with time limit `timeoutMs`. */
export function jobOwnerLabels(replica: string, timeoutMs: number, now: number): Record<string, string> {
  return { [REPLICA_LABEL]: replica, [DEADLINE_LABEL]: String(now + timeoutMs + DEADLINE_MARGIN_MS) };
}

/** Whether no live replica follows the job with these labels any more (see the header). */
export function jobAbandoned(
  labels: Readonly<Record<string, string>>,
  now: number,
  replicaGone: (replica: string) => boolean = ownerIsGone,
): boolean {
  const replica = labels[REPLICA_LABEL];
  if (!replica) return true;
  const deadline = Number(labels[DEADLINE_LABEL]);
  if (!Number.isFinite(deadline) || deadline <= now) return true;
  return replicaGone(replica);
}
