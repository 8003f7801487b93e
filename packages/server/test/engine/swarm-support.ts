// A real berthd on this machine's single-node swarm (BERTH_RUNTIME=swarm), as the engine's Swarm
// suites start it, and the release images an app left behind.
import type Docker from 'dockerode';
import { listAppImages } from '../../src/images/index.ts';
import { swarmSkipReason } from '../runtime/swarm-fixtures.ts';
import { type EngineFixture, startEngineFixture } from './support.ts';

/** Starts berthd on Swarm (listening on every address, so that tasks reach it; 2 s stop grace), with
 *  `env` on top; fails when the engine is not a swarm manager. */
export async function startSwarmEngineFixture(
  docker: Docker,
  env: Record<string, string> = {},
): Promise<EngineFixture> {
  const notSwarm = await swarmSkipReason(docker);
  if (notSwarm) throw new Error(notSwarm);
  return startEngineFixture('sqlite', {
    BERTH_RUNTIME: 'swarm',
    BERTH_HOST: '0.0.0.0',
    BERTH_STOP_GRACE: '2s',
    ...env,
  });
}

/** Removes the local release images of an app of this installation (what a test leaves). */
export async function removeAppImages(docker: Docker, installation: string, app: string): Promise<void> {
  for (const ref of await listAppImages(docker, installation, app).catch(() => [])) {
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => {});
  }
}
