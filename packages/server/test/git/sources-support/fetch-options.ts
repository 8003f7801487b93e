// fetchRemote's options for the tests: a fresh mirror directory under `dir` each time, generous
// limits, and the test's overrides.
import crypto from 'node:crypto';
import path from 'node:path';
import type { FetchRemoteOptions } from '../../../src/git/index.ts';

export function fetchOptions(
  dir: string,
  base: Pick<FetchRemoteOptions, 'url' | 'credentials'>,
  over: Partial<FetchRemoteOptions> = {},
): FetchRemoteOptions {
  return {
    mirrorDir: path.join(dir, `mirror-${crypto.randomUUID()}.git`),
    ref: 'main',
    signal: AbortSignal.timeout(60_000),
    timeoutMs: 60_000,
    maxRepoBytes: 100 * 1024 * 1024,
    ...base,
    ...over,
  };
}
