// berth nodes   (the machines app instances run on: admins, operators and auditors)
import type { RuntimeNode } from '@berth/sdk';
import type { Group } from '../command.ts';

/** Node ids as `docker node ls` shortens them. */
const SHORT_ID = 12;

function labelsText(labels: RuntimeNode['labels']): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export const nodesGroup: Group = {
  name: 'nodes',
  summary: 'List the machines app instances run on (admins, operators, auditors)',
  single: true,
  commands: [
    {
      name: 'nodes',
      summary: 'List the machines app instances run on (admins, operators, auditors)',
      usage: '[--json]',
      args: [0, 0],
      notes: [
        "On Swarm, the swarm nodes with this installation's running instances on each; on a single-host",
        'runtime (process, docker), this host. Placement constraints match the LABELS as node.labels.NAME.',
      ],
      async run(ctx) {
        const body = await ctx.client().listNodes();
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['ID', 'HOSTNAME', 'ROLE', 'AVAILABILITY', 'STATE', 'ADDRESS', 'INSTANCES', 'LABELS'],
          body.nodes.map((n) => [
            n.id.slice(0, SHORT_ID),
            n.hostname,
            n.leader ? `${n.role} (leader)` : n.role,
            n.availability,
            n.state,
            n.address,
            n.instances,
            labelsText(n.labels),
          ]),
          'No nodes.',
        );
      },
    },
  ],
};
