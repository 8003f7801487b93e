// What the Swarm driver asks the engine about the swarm itself: that it is a manager (only a
// manager creates services and lists tasks), its own node (one-off runs go there), the address of a
// node (where a task's published port is reached), and whether dockerd sets no-new-privileges by
// default (API 1.41 has no per-service setting; the driver warns when it is off).
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { BerthError } from '../../errors.ts';
import { engineError, engineStatus } from '../../images/engine.ts';
import type { Logger } from '../../logger.ts';

export interface SwarmNode {
  /** This engine's node id; fails with RUNTIME_START_FAILED when it is not a swarm manager. */
  ready(): Promise<string>;
  /** A node's address, cached; undefined until `load` found it. */
  address(nodeId: string): string | undefined;
  /** Looks up the addresses of these nodes that are not cached yet. */
  load(nodeIds: Iterable<string>): Promise<void>;
}

export function createSwarmNode(docker: Docker, logger: Logger): SwarmNode {
  let self: Promise<string> | undefined;
  const addresses = new Map<string, string>();

  async function check(): Promise<string> {
    const info = (await docker.info().catch((err) => {
      throw engineError(err);
    })) as {
      Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean; NodeID?: string };
      SecurityOptions?: string[];
    };
    if (info.Swarm?.LocalNodeState !== 'active' || !info.Swarm.ControlAvailable || !info.Swarm.NodeID) {
      throw new BerthError(
        'RUNTIME_START_FAILED',
        'The Docker engine is not a swarm manager (docker swarm init, or join as a manager)',
      );
    }
    if (!(info.SecurityOptions ?? []).some((o) => o === 'name=no-new-privileges') && !localDockerdSetsIt()) {
      logger.warn(
        'dockerd does not set no-new-privileges by default ("no-new-privileges": true in daemon.json); ' +
          'Swarm services cannot ask for it, so app processes may gain privileges through setuid programs of their image',
      );
    }
    return info.Swarm.NodeID;
  }

  return {
    ready() {
      self ??= check();
      // A failed check is tried again next time (dockerd may come back, the swarm be made).
      self.catch(() => {
        self = undefined;
      });
      return self;
    },
    address: (nodeId) => addresses.get(nodeId),
    async load(nodeIds) {
      for (const id of new Set(nodeIds)) {
        if (addresses.has(id)) continue;
        try {
          const node = (await docker.getNode(id).inspect()) as { Status?: { Addr?: string } };
          if (node.Status?.Addr) addresses.set(id, node.Status.Addr);
        } catch (err) {
          if (engineStatus(err) !== 404) throw engineError(err);
        }
      }
    },
  };
}

/**
 * Whether this host's dockerd runs with no-new-privileges as every container's default (its
 * `--no-new-privileges` flag, or daemon.json's key). dockerd 20.10 does not list it among the
 * security options `docker info` reports, so it is read where it is set.
 */
function localDockerdSetsIt(): boolean {
  try {
    const config = JSON.parse(fs.readFileSync('/etc/docker/daemon.json', 'utf8')) as Record<string, unknown>;
    if (config['no-new-privileges'] === true) return true;
  } catch {
    // none, or unreadable
  }
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (path.basename(argv[0] ?? '') === 'dockerd') return argv.includes('--no-new-privileges');
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return false;
}
