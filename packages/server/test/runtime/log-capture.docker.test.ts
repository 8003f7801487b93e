// A log captured while an instance stops is kept when the log is gone before the read after the
// end (Swarm reaps a task scaled to 0, and its log, about a second after it ends): a real container
// writes a line, is told to stop and writes another, then is removed before its log is archived.
// The archive has both lines with the capture, and nothing without it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveLogs, captureLogs } from '../../src/runtime/docker/docker-logs.ts';
import { readLogArchive } from '../../src/runtime/docker/log-archive.ts';
import { buildTestImage, dockerEnabled, startNodeScript } from './docker-fixtures.ts';

const APP = [
  "console.log('started');",
  "process.on('SIGTERM', () => { console.log('SIGTERM received'); process.exit(0); });",
  'setInterval(() => {}, 1000);',
].join(' ');

describe.skipIf(!dockerEnabled)('log capture of a stopping instance', () => {
  const docker = new Docker();
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-log-capture-'));
    await buildTestImage(docker, path.join(os.tmpdir(), 'berth-test-image'));
  }, 600_000);
  afterAll(() => {
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function stopAndRemove(capture: boolean): Promise<string> {
    const container = await startNodeScript(docker, APP, 'log-capture');
    const id = `inst-capture-${capture ? 'on' : 'off'}-${Date.now()}`;
    try {
      const captured = capture ? captureLogs(container) : undefined;
      await container.kill({ signal: 'SIGTERM' });
      await container.wait();
      // Gone before the read after the end.
      await container.remove({ force: true });
      await archiveLogs(container, id, dataDir, captured);
      return id;
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  it('keeps the lines written while stopping when the log went before the read', async () => {
    const kept = readLogArchive(dataDir, await stopAndRemove(true));
    expect(kept?.map((l) => l.line)).toEqual(['started', 'SIGTERM received']);
    // Without the capture, nothing is left to archive.
    expect(readLogArchive(dataDir, await stopAndRemove(false))).toBeUndefined();
  }, 120_000);
});
