// A hosted app that floods its log while it is being stopped: berthd captures a stopping
// instance's log (a Swarm task's log may go with the task), and an app that writes a megabyte on
// SIGTERM must not make berthd hold all of it. The capture keeps the newest lines up to its size,
// the app's last words included.
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { captureLogs } from '../../src/runtime/docker/docker-logs.ts';
import { buildTestImage, dockerEnabled, startNodeScript } from '../runtime/docker-fixtures.ts';

const FLOOD = [
  "console.log('started');",
  "const line = 'x'.repeat(2000);",
  "process.on('SIGTERM', () => {",
  '  for (let i = 0; i < 500; i++) process.stdout.write(line + "\\n");',
  "  process.stdout.write('last words\\n', () => process.exit(0));",
  '});',
  'setInterval(() => {}, 1000);',
].join('\n');

describe.skipIf(!dockerEnabled)('an app flooding its log while it stops', () => {
  const docker = new Docker();

  it('costs berthd no more than the capture keeps', async () => {
    await buildTestImage(docker, path.join(os.tmpdir(), 'berth-test-image'));
    const container = await startNodeScript(docker, FLOOD, 'log-flood');
    try {
      const maxBytes = 64 * 1024;
      const captured = captureLogs(container, { tailLines: 1000, maxBytes });
      await container.kill({ signal: 'SIGTERM' });
      await container.wait();
      const lines = await captured.end();
      // The app wrote far more than the capture keeps…
      const written = ((await container.logs({ stdout: true })) as unknown as Buffer).length;
      expect(written).toBeGreaterThan(8 * maxBytes);
      // …and the capture kept the newest, within its size, the last line included.
      expect(lines.reduce((n, l) => n + l.line.length, 0)).toBeLessThanOrEqual(maxBytes);
      expect(lines.at(-1)?.line).toBe('last words');
      expect(lines.length).toBeGreaterThan(10);
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }, 300_000);
});
