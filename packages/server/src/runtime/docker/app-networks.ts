// One network per app (`{prefix}<code>`): an app's instances reach each other, other apps'
// containers are on other networks, which Docker isolates from each other. The Docker runtime's are
// bridges on this host; the Swarm runtime's are overlays of the swarm (`scope: swarm`), which Docker
// refuses to remove while a service still uses them.

import { engineError, engineStatus } from '../../images/engine.ts';
import type { Logger } from '../../logger.ts';
import { LABELS, networkName } from './container-config.ts';
import type { ResolvedDockerOptions } from './docker-options.ts';

export interface AppNetworks {
  ensure(app: string): Promise<void>;
  /** Removes the app's network when no container uses it any more (one in use stays). */
  removeIfUnused(app: string): Promise<void>;
}

export function createAppNetworks(
  options: Pick<ResolvedDockerOptions, 'docker' | 'owner' | 'networkPrefix'>,
  logger: Logger,
  driver: 'bridge' | 'overlay' = 'bridge',
): AppNetworks {
  const { docker } = options;
  /** Serialises creation per app, so concurrent starts do not create two networks of one name. */
  const pending = new Map<string, Promise<void>>();

  async function create(app: string): Promise<void> {
    const name = networkName(options, app);
    const existing = await docker.listNetworks({ filters: { name: [name] } }).catch((err) => {
      throw engineError(err);
    });
    if (existing.some((n) => n.Name === name)) return;
    try {
      await docker.createNetwork({
        Name: name,
        Driver: driver,
        ...(driver === 'overlay' ? { Scope: 'swarm', Attachable: false } : {}),
        CheckDuplicate: true,
        Labels: { [LABELS.app]: app, [LABELS.owner]: options.owner },
      });
      logger.info({ network: name }, 'app network created');
    } catch (err) {
      if (engineStatus(err) !== 409) throw engineError(err);
    }
  }

  return {
    ensure(app) {
      const previous = pending.get(app) ?? Promise.resolve();
      const next = previous.catch(() => {}).then(() => create(app));
      pending.set(app, next);
      void next
        .catch(() => {})
        .then(() => {
          if (pending.get(app) === next) pending.delete(app);
        });
      return next;
    },
    async removeIfUnused(app) {
      const name = networkName(options, app);
      try {
        // Containers of this host; Swarm knows a service's tasks on every node and refuses itself.
        const inUse =
          driver === 'bridge' ? await docker.listContainers({ all: true, filters: { network: [name] } }) : [];
        if (inUse.length === 0) await docker.getNetwork(name).remove();
      } catch (err) {
        logger.debug({ err, network: name }, 'app network kept');
      }
    },
  };
}
