// The machines app instances run on (GET /api/v1/nodes): a cluster runtime's nodes, or this host as
// the one node of a single-host runtime (runtime/host-node.ts). Read by those who read the platform
// status (admins, operators, auditors): node names, addresses and labels describe the installation.
import type { RuntimeNode } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import { type RuntimeDriver, runtimeNodes } from '../runtime/index.ts';
import { STATUS_READERS } from './platform-status.ts';

export interface NodesService {
  list(actor: Actor): Promise<RuntimeNode[]>;
}

export function createNodesService(deps: { driver: Pick<RuntimeDriver, 'list' | 'nodes'> }): NodesService {
  return {
    async list(actor) {
      if (!STATUS_READERS.includes(actor.role)) throw new BerthError('FORBIDDEN');
      return runtimeNodes(deps.driver);
    },
  };
}
