// The job queue's counts for the platform status (queued, running, failed since a time), on every
// dialect: jobs are placed in each state through the queue itself, with a clock the test moves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../support/databases.ts';
import { createJobsTestStore, type JobsTestStore } from './helpers.ts';

describe.each(testDialects())('job counts on %s', (dialect) => {
  let t: JobsTestStore;
  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
  });
  afterAll(async () => t?.close());

  it('counts queued and running jobs now, and failed ones since a time', async () => {
    let clock = 1_000_000;
    const queue = t.queue({ now: () => clock });
    expect(await queue.counts(0)).toEqual({ queued: 0, running: 0, failed: 0 });
    for (let i = 0; i < 5; i++) await queue.enqueue('test.count', { i }, { maxAttempts: 1 });
    // Two fail long ago, one fails later, one runs, one stays queued.
    const early = await queue.lease({ owner: 'counter', limit: 2 });
    expect(early).toHaveLength(2);
    for (const job of early) await queue.fail(job.lease, { message: 'failed early' });
    clock += 10_000;
    const later = await queue.lease({ owner: 'counter', limit: 2 });
    expect(later).toHaveLength(2);
    await queue.fail(later[0]!.lease, { message: 'failed later' });
    expect(await queue.counts(clock)).toEqual({ queued: 1, running: 1, failed: 1 });
    expect(await queue.counts(0)).toEqual({ queued: 1, running: 1, failed: 3 });
    expect(await queue.counts(clock + 1)).toEqual({ queued: 1, running: 1, failed: 0 });
  });
});
