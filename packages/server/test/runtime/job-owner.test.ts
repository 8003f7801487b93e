// Which one-off jobs a `recover()` or a Swarm sync may remove (job-owner.ts): those of a gone replica,
// past their deadline, or from before the labels; never a live replica's within its deadline.
import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  DEADLINE_LABEL,
  DEADLINE_MARGIN_MS,
  jobAbandoned,
  jobOwnerLabels,
  REPLICA_LABEL,
} from '../../src/runtime/docker/job-owner.ts';

const NOW = 1_800_000_000_000;
const live = () => false;
const gone = () => true;

describe('one-off job ownership', () => {
  it('labels a job with its replica and a deadline past its time limit', () => {
    expect(jobOwnerLabels('host/12/abc', 60_000, NOW)).toEqual({
      [REPLICA_LABEL]: 'host/12/abc',
      [DEADLINE_LABEL]: String(NOW + 60_000 + DEADLINE_MARGIN_MS),
    });
  });

  it("keeps a live replica's job until its deadline", () => {
    const labels = jobOwnerLabels('other/12/abc', 60_000, NOW);
    expect(jobAbandoned(labels, NOW, live)).toBe(false);
    expect(jobAbandoned(labels, NOW + 60_000 + DEADLINE_MARGIN_MS - 1, live)).toBe(false);
    expect(jobAbandoned(labels, NOW + 60_000 + DEADLINE_MARGIN_MS, live)).toBe(true);
  });

  it('removes the job of a gone replica at once', () => {
    expect(jobAbandoned(jobOwnerLabels('here/1/abc', 60_000, NOW), NOW, gone)).toBe(true);
  });

  it('removes a job without a replica, or with an unreadable deadline', () => {
    expect(jobAbandoned({ 'berth.task': 'release' }, NOW, live)).toBe(true);
    expect(jobAbandoned({ [REPLICA_LABEL]: 'x/1/a', [DEADLINE_LABEL]: 'soon' }, NOW, live)).toBe(true);
    expect(jobAbandoned({ [REPLICA_LABEL]: 'x/1/a' }, NOW, live)).toBe(true);
  });

  it('asks jobs/replica-id.ts by default: this process lives, a pid of this host that cannot exist is gone', () => {
    const host = os.hostname().slice(0, 80);
    // Pids are below pid_max: none has that one.
    const deadPid = Number(fs.readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    expect(jobAbandoned(jobOwnerLabels(`${host}/${process.pid}/abc`, 60_000, NOW), NOW)).toBe(false);
    expect(jobAbandoned(jobOwnerLabels(`${host}/${deadPid}/abc`, 60_000, NOW), NOW)).toBe(true);
    expect(jobAbandoned(jobOwnerLabels(`elsewhere-${host}/${deadPid}/abc`, 60_000, NOW), NOW)).toBe(false);
  });
});
