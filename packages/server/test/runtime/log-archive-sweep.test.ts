// The Docker runtime's archived logs of stopped instances go once BERTH_LOG_RETENTION has passed;
// those of live instances and younger ones stay. Real files in a temporary data dir.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  archivePath,
  readLogArchive,
  sweepLogArchives,
  writeLogArchive,
} from '../../src/runtime/docker/log-archive.ts';

const HOUR = 3_600_000;
let dataDir: string | undefined;
afterEach(() => {
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

describe('sweepLogArchives', () => {
  it('removes archives older than the retention, not live or younger ones', () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-archive-'));
    const now = Date.now();
    for (const id of ['old', 'young', 'live-old']) {
      writeLogArchive(dataDir, id, [{ stream: 'stdout', ns: 1n, line: `line of ${id}` }]);
    }
    const old = new Date(now - 10 * HOUR);
    fs.utimesSync(archivePath(dataDir, 'old'), old, old);
    fs.utimesSync(archivePath(dataDir, 'live-old'), old, old);
    expect(sweepLogArchives(dataDir, new Set(['live-old']), 5 * HOUR, now)).toEqual(['old']);
    expect(readLogArchive(dataDir, 'old')).toBeUndefined();
    expect(readLogArchive(dataDir, 'young')?.map((l) => l.line)).toEqual(['line of young']);
    expect(readLogArchive(dataDir, 'live-old')?.map((l) => l.line)).toEqual(['line of live-old']);
  });

  it('does nothing without an archive directory', () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-archive-'));
    expect(sweepLogArchives(dataDir, new Set(), HOUR, Date.now())).toEqual([]);
  });
});
