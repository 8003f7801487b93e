// A crash loop is noticed once, however many berthd replicas watch the instance and report it: the
// first claim in the store wins, also when the claims race from two connection pools (two replicas);
// an instance the history does not have is noticed as before. Runs on every store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimCrashLoopNotice, recordStarts } from '../../src/engine/instance-history.ts';
import type { InstanceSpec } from '../../src/runtime/index.ts';
import type { Store } from '../../src/store/store.ts';
import { createJobsTestStore, type JobsTestStore } from '../jobs/helpers.ts';
import { testDialects } from '../support/databases.ts';

const spec = (id: string): InstanceSpec => ({
  id,
  app: 'loopy',
  env: 'prod',
  release: 1,
  processType: 'web',
  index: 1,
  artifactDir: '/nowhere',
  command: ['true'],
  vars: {},
  listen: true,
});

describe.each(testDialects())('crash-loop notice claim on %s', (dialect) => {
  let t: JobsTestStore;
  let other: Store;
  beforeAll(async () => {
    t = await createJobsTestStore(dialect);
    other = t.openAnother();
  }, 60_000);
  afterAll(async () => t?.close(), 60_000);

  it('gives the notice of an instance to one replica only', async () => {
    await recordStarts(t.store.db, [spec('loopy-prod-v1-web-1'), spec('loopy-prod-v1-web-2')]);
    const claims = await Promise.all([
      claimCrashLoopNotice(t.store.db, 'loopy-prod-v1-web-1', 1),
      claimCrashLoopNotice(other.db, 'loopy-prod-v1-web-1', 2),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await claimCrashLoopNotice(t.store.db, 'loopy-prod-v1-web-1', 3)).toBe(false);
    // Another instance has a notice of its own.
    expect(await claimCrashLoopNotice(other.db, 'loopy-prod-v1-web-2', 4)).toBe(true);
    expect(await claimCrashLoopNotice(t.store.db, 'loopy-prod-v1-web-2', 5)).toBe(false);
  });

  it('lets an instance the history does not have be noticed (as before it kept instances)', async () => {
    expect(await claimCrashLoopNotice(t.store.db, 'loopy-prod-v0-web-1', 6)).toBe(true);
    expect(await claimCrashLoopNotice(other.db, 'loopy-prod-v0-web-1', 7)).toBe(true);
  });
});
