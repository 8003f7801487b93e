// Jobs bound to a replica (`runsOn`: their input is in that replica's data dir), on every store: only
// that replica leases them while it lives; a dead replica of this host hands them over at once, one
// of another host after BOUND_JOB_WAIT_MS; unbound jobs go to anyone.
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOUND_JOB_WAIT_MS } from '../../src/jobs/lease-jobs.ts';
import { testDialects } from '../support/databases.ts';
import { createJobsTestStore, type JobsTestStore } from './helpers.ts';

const host = os.hostname().slice(0, 80);
/** A replica of this host whose process is gone (pid 2^22 + 1 is above any Linux hands out). */
const deadHere = `${host}/4194305/dead`;

describe.each(testDialects())('jobs bound to a replica on %s', (dialect) => {
  let t: JobsTestStore;
  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('only the bound replica leases a job while it lives; unbound jobs go to anyone', async () => {
    const queue = t.queue();
    const kind = 'bound.alive';
    const bound = await queue.enqueue(kind, {}, { runsOn: 'far-host/1/a' });
    const free = await queue.enqueue(kind, {});
    const byB = await queue.lease({ owner: 'far-host/2/b', kinds: [kind], limit: 5 });
    expect(byB.map((l) => l.job.id)).toEqual([free.id]);
    // Same host name, another live process: still not its job (this test's own pid lives).
    const sibling = `${host}/${process.pid}/sibling`;
    expect(await queue.lease({ owner: sibling, kinds: [kind], limit: 5 })).toEqual([]);
    const byA = await queue.lease({ owner: 'far-host/1/a', kinds: [kind], limit: 5 });
    expect(byA.map((l) => l.job.id)).toEqual([bound.id]);
  });

  it('a job bound to a dead replica of this host is leased by another replica of the host at once', async () => {
    const queue = t.queue();
    const kind = 'bound.dead-here';
    const job = await queue.enqueue(kind, {}, { runsOn: deadHere });
    // A replica of another host cannot tell that it is dead: it waits.
    expect(await queue.lease({ owner: 'far-host/2/b', kinds: [kind] })).toEqual([]);
    const here = await queue.lease({ owner: `${host}/${process.pid}/next`, kinds: [kind] });
    expect(here.map((l) => l.job.id)).toEqual([job.id]);
  });

  it('a job its replica of another host did not take for long is leased by anyone', async () => {
    const queue = t.queue();
    const kind = 'bound.stale';
    const fresh = await queue.enqueue(kind, {}, { runsOn: 'gone-host/1/a' });
    const stale = await queue.enqueue(
      kind,
      {},
      { runsOn: 'gone-host/1/a', runAt: Date.now() - BOUND_JOB_WAIT_MS - 1000 },
    );
    const leased = await queue.lease({ owner: 'far-host/2/b', kinds: [kind], limit: 5 });
    expect(leased.map((l) => l.job.id)).toEqual([stale.id]);
    expect((await queue.get(fresh.id)).status).toBe('queued');
  });

  it('a bound job first in its key line holds the line for its replica', async () => {
    const queue = t.queue();
    const kind = 'bound.keyed';
    const first = await queue.enqueue(kind, {}, { key: 'deploy:shop:stag', runsOn: 'far-host/1/a' });
    const second = await queue.enqueue(kind, {}, { key: 'deploy:shop:stag' });
    expect(await queue.lease({ owner: 'far-host/2/b', kinds: [kind], limit: 5 })).toEqual([]);
    const byA = await queue.lease({ owner: 'far-host/1/a', kinds: [kind], limit: 5 });
    expect(byA.map((l) => l.job.id)).toEqual([first.id]);
    expect((await queue.get(second.id)).status).toBe('queued');
  });
});
