// The module boundaries `npm run check` enforces (scripts/boundaries.mjs): the server's own tree
// keeps them, and each rule bites on a tree made by the test that breaks it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBoundaries, importsOf } from '../../../scripts/boundaries.mjs';

const SRC = path.join(import.meta.dirname, '..', 'src');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A source tree of the given files (path -> text). */
function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-boundaries-'));
  dirs.push(root);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe('module boundaries', () => {
  it("holds in the server's source tree", () => {
    expect(checkBoundaries(SRC)).toEqual([]);
  });

  it('reads every form of import', () => {
    const text = [
      "import type Docker from 'dockerode';",
      "import {\n  a,\n  b,\n} from '../runtime/docker/x.ts';",
      "export { c } from './c.ts';",
      "import './side-effect.ts';",
      "const later = await import('../build/container/y.ts');",
    ].join('\n');
    expect(importsOf(text)).toEqual([
      'dockerode',
      '../runtime/docker/x.ts',
      './c.ts',
      './side-effect.ts',
      '../build/container/y.ts',
    ]);
  });

  it('keeps the engine away from drivers, container builds, image operations and Docker', () => {
    const root = tree({
      'engine/a.ts': [
        "import type Docker from 'dockerode';",
        "import { x } from '../runtime/docker/docker-driver.ts';",
        "import { y } from '../runtime/process/process-driver.ts';",
        "import { z } from '../build/dockerfile/build-image.ts';",
        "import { w } from '../images/index.ts';",
        // Allowed: the runtime's interfaces, builds' shared parts, release image names.
        "import type { RuntimeDriver } from '../runtime/index.ts';",
        "import { buildApp } from '../build/index.ts';",
        "import { releaseImageTag } from '../images/release-names.ts';",
      ].join('\n'),
    });
    const problems = checkBoundaries(root);
    expect(problems).toHaveLength(5);
    for (const bad of [
      'dockerode',
      'runtime/docker',
      'runtime/process',
      'build/dockerfile',
      'images/index',
    ]) {
      expect(
        problems.some((p) => p.includes(bad) && p.includes('[engine-through-interfaces]')),
        bad,
      ).toBe(true);
    }
  });

  it('keeps the gateway to the logger, the errors and leaf modules', () => {
    const root = tree({
      'gateway/proxy.ts': [
        "import type { Logger } from '../logger.ts';",
        "import { ERRORS } from '../errors.ts';",
        "import { NAMES } from '../platform-cookies.ts';",
        "import { engine } from '../engine/engine.ts';",
        "import type { Config } from '../config.ts';",
      ].join('\n'),
      'gateway/nginx/berthd-parts.ts': "import type { Config } from '../../config.ts';",
      'platform-cookies.ts': "export const NAMES = ['a'];",
      'engine/engine.ts': "import { x } from '../store/store.ts';\nexport const engine = x;",
      'config.ts': "import { y } from './store/store.ts';\nexport type Config = typeof y;",
    });
    expect(checkBoundaries(root)).toEqual([
      'gateway/proxy.ts: imports ../engine/engine.ts (a platform module (the gateway may import the logger, the errors and leaf modules)) [gateway-stands-alone]',
      'gateway/proxy.ts: imports ../config.ts (a platform module (the gateway may import the logger, the errors and leaf modules)) [gateway-stands-alone]',
    ]);
  });

  it('keeps containers/ to itself and packages', () => {
    const root = tree({
      'containers/create.ts': [
        "import type Docker from 'dockerode';",
        "import { x } from './isolation.ts';",
        "import { y } from '../runtime/docker/container-config.ts';",
        "import { z } from '../build/step-exec.ts';",
      ].join('\n'),
      'containers/isolation.ts': 'export const x = 1;',
    });
    expect(checkBoundaries(root)).toEqual([
      'containers/create.ts: imports ../runtime/docker/container-config.ts (a platform module (containers/ is shared by the runtimes and the builds)) [containers-import-nothing]',
      'containers/create.ts: imports ../build/step-exec.ts (a platform module (containers/ is shared by the runtimes and the builds)) [containers-import-nothing]',
    ]);
  });
});
