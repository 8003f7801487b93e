// Setup shared by the driver test files (process.system.test.ts, docker.docker.test.ts, docker-hostile.docker.test.ts): a
// data dir per driver, and a cleanup that stops what the driver still knows, closes it and removes
// the data dir.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InstanceSpec, InstanceUser, RuntimeDriver } from '../../src/runtime/index.ts';
import { type ContractDriver, removeTree } from './contract.ts';

/** A fresh data dir under the system temp dir, or `reuse.dataDir` (a second driver on the same one). */
export function driverDataDir(prefix: string, reuse?: { dataDir: string }): string {
  return reuse?.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Wraps a driver for the contract: `cleanup()` stops every instance it knows (unless it was closed by
 * the test), closes it, runs `afterClose` (e.g. removing what a closed driver left behind) and
 * removes the data dir.
 */
export function ownedDriver(
  driver: RuntimeDriver,
  dataDir: string,
  afterClose?: () => Promise<void>,
): ContractDriver {
  let closed = false;
  return {
    driver,
    dataDir,
    async cleanup() {
      if (!closed) {
        closed = true;
        const infos = await driver.list().catch(() => []);
        await Promise.all(infos.map((i) => driver.stop(i.id, { graceMs: 1000 })));
        await driver.close();
      }
      await afterClose?.();
      removeTree(dataDir);
    },
  };
}

/**
 * The spec of the runtime tests' app (test-apps.ts) as web instance `n` of `app` in prod, running
 * `node app.cjs <mode>`; `over` replaces any field.
 */
export function testAppSpec(o: {
  app: string;
  n: number;
  mode: string;
  node: string;
  artifactDir: string;
  user: InstanceUser | undefined;
  over?: Partial<InstanceSpec>;
}): InstanceSpec {
  return {
    id: `${o.app}-prod-v1-web-${o.n}`,
    app: o.app,
    env: 'prod',
    release: 1,
    processType: 'web',
    index: o.n,
    artifactDir: o.artifactDir,
    command: [o.node, 'app.cjs', o.mode],
    vars: {},
    listen: true,
    ...(o.user ? { user: o.user } : {}),
    ...o.over,
  };
}
