// Release images for runtimes whose nodes have no artifact directory (Swarm): a sealed artifact
// tree baked into an image at /app on top of a stack image, through the Engine API. Needs
// BERTH_TEST_DOCKER=1 and the stack images (built by the docker tier's global setup).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { sealArtifact } from '../../src/build/index.ts';
import { runToCompletion } from '../../src/images/engine.ts';
import { bakeReleaseImage, STACK_IMAGES } from '../../src/images/index.ts';
import { DOCKER_SKIP_REASON, dockerEnabled } from '../runtime/docker-fixtures.ts';

if (!dockerEnabled) {
  process.stdout.write(`release image tests skipped: ${DOCKER_SKIP_REASON}\n`);
  describe('baked release images', () => {
    it.skip(`bakeReleaseImage (skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
} else {
  const docker = new Docker();
  const tag = `berth-test${crypto.randomBytes(3).toString('hex')}/bake:stag-v1`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bake-'));
  afterAll(async () => {
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('baked release images', () => {
    it('holds the sealed tree at /app, readable and not writable by the run uid, links as links', async () => {
      fs.mkdirSync(path.join(dir, 'lib'));
      fs.writeFileSync(path.join(dir, 'server.js'), 'console.log("served")\n');
      fs.writeFileSync(path.join(dir, 'lib', 'run.sh'), '#!/bin/sh\necho ran\n', { mode: 0o755 });
      fs.symlinkSync('/etc/shadow', path.join(dir, 'lib', 'shadow'));
      fs.symlinkSync('../server.js', path.join(dir, 'lib', 'server.js'));
      await sealArtifact(dir, 4321);

      const id = await bakeReleaseImage(docker, {
        base: STACK_IMAGES.node,
        artifactDir: dir,
        tag,
        labels: { 'berth.app': 'bake' },
      });
      const info = await docker.getImage(tag).inspect();
      expect(info.Id).toBe(id);
      expect(info.Config.WorkingDir).toBe('/app');
      expect(info.Config.Labels?.['berth.app']).toBe('bake');
      // The container the tree went through is gone.
      const left = await docker.listContainers({ all: true, filters: { ancestor: [tag] } });
      expect(left).toEqual([]);

      const script = [
        'stat -c "%U:%G %a %n" /app /app/server.js /app/lib /app/lib/run.sh',
        'readlink /app/lib/shadow',
        'node /app/lib/server.js',
        '/app/lib/run.sh',
        'cat /app/lib/shadow >/dev/null 2>&1 && echo shadow-read || echo shadow-denied',
        'touch /app/new 2>/dev/null && echo wrote || echo write-denied',
        '(echo x >> /app/server.js) 2>/dev/null && echo appended || echo append-denied',
      ].join('; ');
      const run = await runToCompletion(docker, tag, ['sh', '-c', script], { user: '4321:4321' });
      expect(run.code).toBe(0);
      expect(run.output.split('\n').filter(Boolean)).toEqual([
        'root:root 755 /app',
        'root:root 644 /app/server.js',
        'root:root 755 /app/lib',
        'root:root 755 /app/lib/run.sh',
        '/etc/shadow',
        'served',
        'ran',
        'shadow-denied',
        'write-denied',
        'append-denied',
      ]);
    }, 120_000);
  });
}
