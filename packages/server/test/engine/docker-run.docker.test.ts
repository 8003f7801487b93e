// `berth run` on the Docker runtime (BERTH_RUNTIME=docker): the command runs in a one-off container
// of the release's image with its config, as its run identity; the output arrives as it is written,
// stdout and stderr apart; the exit code is passed on; and the container is removed when the client
// hangs up.
//
// Needs a running dockerd and the node stack image (built on first use, minutes), so it runs only
// with BERTH_TEST_DOCKER=1 (scripts/docker-setup.sh first). The app code `dkrun` is this file's;
// its containers and network are removed afterwards.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DOCKER_SKIP_REASON, dockerEnabled, removeAppNetworks } from '../runtime/docker-fixtures.ts';
import { type RunSession, startRun } from './run-client.ts';
import { type EngineFixture, startEngineFixture, tinyApp } from './support.ts';

const APP = 'dkrun';

/** A release whose only process is an idle worker: nothing to health-check, quick to deploy. */
const IDLE_WORKER = [
  'runtime: node',
  'processes:',
  '  worker:',
  '    command: node -e "setInterval(() => {}, 1 << 30)"',
  '    count: 1',
  'env:',
  '  GREETING: hello from the manifest',
  '',
].join('\n');

async function removeContainersOf(docker: Docker, app: string): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`berth.app=${app}`] } });
  for (const c of containers) await docker.getContainer(c.Id).remove({ force: true });
}

if (!dockerEnabled) {
  process.stdout.write(`docker run tests skipped: ${DOCKER_SKIP_REASON}\n`);
  describe('one-off runs on the Docker runtime', () => {
    it.skip(`docker runs (skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
} else {
  const docker = new Docker();
  describe('one-off runs on the Docker runtime', () => {
    let f: EngineFixture;
    const open: RunSession[] = [];
    const run = async (command: string[]) => {
      const session = await startRun(
        f.t.url,
        { cookie: `${f.t.cookieName}=${f.cookie}` },
        APP,
        'stag',
        command,
      );
      open.push(session);
      return session;
    };
    const runContainers = () =>
      docker.listContainers({ all: true, filters: { label: [`berth.app=${APP}`, 'berth.task=run'] } });

    beforeAll(async () => {
      await removeContainersOf(docker, APP);
      f = await startEngineFixture('sqlite', { BERTH_RUNTIME: 'docker', BERTH_STOP_GRACE: '2s' });
      await f.createApp(APP);
      await f.deploy(APP, 'stag', await tinyApp({ berthYaml: IDLE_WORKER }));
    }, 600_000);

    afterAll(async () => {
      for (const session of open) session.hangUp();
      await f?.stop();
      await removeContainersOf(docker, APP);
      await removeAppNetworks(docker, [APP]);
    }, 120_000);

    it('streams the output of a container of the release and passes its exit code on', async () => {
      const session = await run(['sh', '-c', 'echo "$GREETING as $(id -u) in $PWD"; echo err >&2; exit 7']);
      expect(session.status).toBe(200);
      expect(await session.done).toEqual({ exit: 7, release: 1 });
      const [line] = session.stdout().split('\n');
      expect(line).toMatch(/^hello from the manifest as [1-9]\d* in \/app$/);
      expect(session.stderr()).toBe('err\n');
      expect(await runContainers()).toEqual([]);
    }, 120_000);

    it('removes the container when the client hangs up', async () => {
      const session = await run(['sh', '-c', 'echo started; sleep 1000 & wait']);
      await session.waitForStdout('started', 60_000);
      expect((await runContainers()).length).toBe(1);
      session.hangUp();
      await vi.waitFor(async () => expect(await runContainers()).toEqual([]), {
        timeout: 30_000,
        interval: 200,
      });
    }, 120_000);
  });
}
