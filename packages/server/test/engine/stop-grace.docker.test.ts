// BERTH_STOP_GRACE reaches every stop: a deploy stops the instances it replaces with it, on the
// process runtime and on Docker, whose containers also carry it as their StopTimeout. The app takes
// longer than the default grace (10 s) to shut down after SIGTERM and records that it finished; with
// BERTH_STOP_GRACE=30s the replaced instance must have finished, where a default grace anywhere on
// the way would have killed it first. No time is measured.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DOCKER_SKIP_REASON,
  dockerEnabled,
  instanceContainer,
  removeAppNetworks,
} from '../runtime/docker-fixtures.ts';
import { type EngineFixture, nodeBerthYaml, packFiles, startEngineFixture } from './support.ts';

const GRACE = { BERTH_STOP_GRACE: '30s' };

/** Shuts down 12 s after SIGTERM (beyond the 10 s default), then leaves `finished-v{release}` in
 *  $HOME (shared by the environment's instances); `/finished` lists those files. */
const SLOW_STOPPER = `
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const home = process.env.HOME;
const server = http.createServer((req, res) => {
  if (req.url === '/finished') return res.end(fs.readdirSync(home).filter((f) => f.startsWith('finished-')).sort().join(','));
  res.end('v' + process.env.BERTH_RELEASE);
});
server.listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1');
process.on('SIGTERM', () => {
  setTimeout(() => {
    fs.writeFileSync(path.join(home, 'finished-v' + process.env.BERTH_RELEASE), 'done');
    process.exit(0);
  }, 12000);
});
`;

function slowStopper() {
  return packFiles({
    'package.json': JSON.stringify({ name: 'slow-stopper', version: '1.0.0', private: true }),
    'server.js': SLOW_STOPPER,
    'berth.yaml': nodeBerthYaml({ count: 1, healthPath: '/', startTimeout: '30s' }),
  });
}

/** Deploys twice; the first release's instance must have finished its own shutdown. */
async function replacedInstanceFinishes(f: EngineFixture, code: string): Promise<void> {
  await f.createApp(code);
  await f.deploy(code, 'stag', await slowStopper());
  expect((await f.get(`/t/${code}/`)).text).toBe('v1');
  const second = await f.deploy(code, 'stag', await slowStopper());
  expect(await f.logsOf(second.id)).toContain('Stopping 1 replaced instance(s)');
  expect((await f.get(`/t/${code}/`)).text).toBe('v2');
  expect((await f.get(`/t/${code}/finished`)).text).toBe('finished-v1');
}

describe('BERTH_STOP_GRACE on the process runtime', () => {
  let f: EngineFixture | undefined;
  beforeAll(async () => {
    f = await startEngineFixture('sqlite', GRACE);
  }, 60_000);
  afterAll(async () => {
    await f?.stop();
  }, 60_000);

  it('lets an instance a deploy replaces finish a shutdown longer than the default grace', async () => {
    await replacedInstanceFinishes(f!, 'sgproc');
  }, 120_000);
});

if (!dockerEnabled) {
  process.stdout.write(`docker stop-grace tests skipped: ${DOCKER_SKIP_REASON}\n`);
  describe('BERTH_STOP_GRACE on the Docker runtime', () => {
    it.skip(`stop grace on Docker (skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
} else {
  const docker = new Docker();
  const CODE = 'sgdock';

  async function removeLeftovers(): Promise<void> {
    const containers = await docker.listContainers({ all: true, filters: { label: [`berth.app=${CODE}`] } });
    for (const c of containers) await docker.getContainer(c.Id).remove({ force: true });
    await removeAppNetworks(docker, [CODE]);
    for (const image of await docker.listImages()) {
      if ((image.RepoTags ?? []).some((tag) => new RegExp(`^berth-[a-z0-9]+/${CODE}:`).test(tag))) {
        await docker.getImage(image.Id).remove({ force: true });
      }
    }
  }

  describe('BERTH_STOP_GRACE on the Docker runtime', () => {
    let f: EngineFixture | undefined;
    beforeAll(async () => {
      await removeLeftovers();
      f = await startEngineFixture('sqlite', { ...GRACE, BERTH_RUNTIME: 'docker' });
    }, 60_000);
    afterAll(async () => {
      await f?.stop();
      await removeLeftovers();
    }, 120_000);

    it('lets a replaced container finish its shutdown, and gives containers the grace as StopTimeout', async () => {
      await replacedInstanceFinishes(f!, CODE);
      const instances = (await f!.api('GET', `/api/v1/apps/${CODE}/envs/stag/instances`)).body.instances;
      expect(instances).toHaveLength(1);
      const data = await (await instanceContainer(docker, instances[0])).inspect();
      // Not in dockerode's types, but part of the Engine API's container config.
      expect((data.Config as { StopTimeout?: number }).StopTimeout).toBe(30);
    }, 300_000);
  });
}
