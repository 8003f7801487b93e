// One network per app (`{prefix}<code>`): an app's instances reach each other, other apps'
// containers are on other networks, which Docker isolates from each other. The Docker runtime's are
// bridges on this host; the Swarm runtime's are overlays of the swarm (`scope: swarm`), kept while a
// service of the app exists (another berthd replica's too: Docker would refuse their removal for as
// long), and removed asynchronously: creation and
// removal are serialised per app, a removal resolves once the network is gone, and a creation that
// meets one of the same name being removed waits for it (bounded).

import { setTimeout as sleep } from 'node:timers/promises';
import { engineError, engineStatus } from '../../images/engine.ts';
import type { Logger } from '../../logger.ts';
import { LABELS, networkName } from './container-config.ts';
import type { ResolvedDockerOptions } from './docker-options.ts';

export interface AppNetworks {
  ensure(app: string): Promise<void>;
  /** Removes the app's network when no container uses it any more (one in use stays); an overlay
   *  is removed when its driver knows the app has nothing left and no service of the app (of any
   *  berthd replica) exists, and the call resolves once it is gone. */
  removeIfUnused(app: string): Promise<void>;
}

/** How long an overlay network's asynchronous removal (and a start waiting for it) may take. */
const SETTLE_MS = 30_000;
const RETRY_MS = 250;

export function createAppNetworks(
  options: Pick<ResolvedDockerOptions, 'docker' | 'owner' | 'networkPrefix'>,
  logger: Logger,
  driver: 'bridge' | 'overlay' = 'bridge',
): AppNetworks {
  const { docker } = options;
  /** Serialises creation and removal per app, so concurrent starts do not create two networks of
   *  one name and a start waits for a removal in progress. */
  const pending = new Map<string, Promise<void>>();

  function queue(app: string, step: () => Promise<void>): Promise<void> {
    const previous = pending.get(app) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(step);
    pending.set(app, next);
    void next
      .catch(() => {})
      .then(() => {
        if (pending.get(app) === next) pending.delete(app);
      });
    return next;
  }

  const listed = async (name: string) =>
    (
      await docker.listNetworks({ filters: { name: [name] } }).catch((err) => {
        throw engineError(err);
      })
    ).some((n) => n.Name === name);

  async function create(app: string): Promise<void> {
    const name = networkName(options, app);
    const until = Date.now() + SETTLE_MS;
    for (;;) {
      if (await listed(name)) return;
      try {
        await docker.createNetwork({
          Name: name,
          Driver: driver,
          ...(driver === 'overlay' ? { Scope: 'swarm', Attachable: false } : {}),
          CheckDuplicate: true,
          Labels: { [LABELS.app]: app, [LABELS.owner]: options.owner },
        });
        logger.info({ network: name }, 'app network created');
        return;
      } catch (err) {
        // 409: made meanwhile (the list says so next time), or one of that name still being
        // removed (Swarm removes overlays asynchronously): tried again until it is gone.
        if (engineStatus(err) !== 409 || Date.now() > until) throw engineError(err);
      }
      await sleep(RETRY_MS);
    }
  }

  /** Whether a service of the app exists: its instance or job (of any berthd replica sharing the
   *  swarm) needs the app's overlay, and Swarm would refuse the removal for as long as it exists. */
  async function servicesOf(app: string): Promise<boolean> {
    const services = await docker
      .listServices({ filters: { label: [`${LABELS.owner}=${options.owner}`, `${LABELS.app}=${app}`] } })
      .catch((err) => {
        throw engineError(err);
      });
    return services.length > 0;
  }

  /** An overlay: kept while a service of the app exists (another replica's); Swarm refuses while a
   *  task of a removed service still leaves it, and lists it for a moment after it accepted;
   *  resolves once it is gone (or kept, logged). */
  async function removeOverlay(app: string, name: string): Promise<void> {
    const until = Date.now() + SETTLE_MS;
    for (;;) {
      if (await servicesOf(app)) {
        logger.debug({ network: name }, 'app network kept: a service of the app uses it');
        return;
      }
      try {
        await docker.getNetwork(name).remove();
        break;
      } catch (err) {
        if (engineStatus(err) === 404) break;
        if (Date.now() > until) throw err;
      }
      await sleep(RETRY_MS);
    }
    while ((await listed(name)) && Date.now() < until) await sleep(RETRY_MS);
  }

  return {
    ensure: (app) => queue(app, () => create(app)),
    removeIfUnused: (app) =>
      queue(app, async () => {
        const name = networkName(options, app);
        try {
          if (driver === 'overlay') return await removeOverlay(app, name);
          // Containers of this host (a bridge is this host's only).
          const inUse = await docker.listContainers({ all: true, filters: { network: [name] } });
          if (inUse.length === 0) await docker.getNetwork(name).remove();
        } catch (err) {
          logger.debug({ err, network: name }, 'app network kept');
        }
      }),
  };
}
