// Several nodes: a swarm of two Docker engines, each in a network namespace of this test's making
// (swarm-cluster.ts: own data roots, veth pairs on a private bridge, no traffic leaving the
// machine), driven by a real berthd (BERTH_RUNTIME=swarm on the manager's Engine API) with its
// registry on the bridge, where both nodes pull release images by digest. An app scaled to four
// instances runs on both nodes and answers from each through the gateway; then the second node is
// drained while clients keep requesting: its instances move to the first node and not one request
// fails. Needs BERTH_TEST_DOCKER=1 and root; a machine that cannot make the namespaces says why.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/gateway/nginx/index.ts';
import { STACK_IMAGES } from '../../src/images/index.ts';
import { waitFor } from '../runtime/contract.ts';
import { DOCKER_SKIP_REASON, dockerEnabled } from '../runtime/docker-fixtures.ts';
import { clusterUnavailable, type SwarmCluster, startSwarmCluster } from '../runtime/swarm-cluster.ts';
import { type EngineFixture, nodeBerthYaml, startEngineFixture, steadyLoad, tinyApp } from './support.ts';

const skip = dockerEnabled ? clusterUnavailable() : DOCKER_SKIP_REASON;
const APP = 'spread';

interface Task {
  NodeID: string;
  Status: { State: string; ContainerStatus?: { ContainerID?: string } };
  Spec: { ContainerSpec: { Labels?: Record<string, string> } };
}

if (skip) {
  process.stdout.write(`multi-node swarm test skipped: ${skip}\n`);
  describe('an app across the nodes of a swarm', () => {
    it.skip(`two nodes, a drain (skipped: ${skip})`, () => {});
  });
} else {
  describe('an app across the nodes of a swarm', () => {
    let cluster: SwarmCluster;
    let f: EngineFixture;
    let manager: Docker;

    /** The running tasks of the app's services: node and container of each. */
    async function runningTasks(): Promise<Task[]> {
      const tasks = (await manager.listTasks({
        filters: { 'desired-state': ['running'], label: [`berth.app=${APP}`] },
      })) as Task[];
      return tasks.filter((t) => t.Status.State === 'running');
    }
    /** Node ids of the tasks whose containers answered with these HOSTNAMEs (short container ids). */
    async function nodesOf(hostnames: Set<string>): Promise<Set<string>> {
      const found = new Set<string>();
      for (const task of await runningTasks()) {
        const container = task.Status.ContainerStatus?.ContainerID ?? '';
        if ([...hostnames].some((h) => container.startsWith(h))) found.add(task.NodeID);
      }
      return found;
    }

    beforeAll(async () => {
      cluster = await startSwarmCluster({ size: 2, images: [STACK_IMAGES.node], host: new Docker() });
      manager = cluster.nodes[0]!.docker;
      f = await startEngineFixture('sqlite', {
        BERTH_RUNTIME: 'swarm',
        BERTH_DOCKER_SOCKET: cluster.nodes[0]!.socket,
        // Where both nodes reach berthd's registry: the host's address on the cluster's bridge.
        BERTH_REGISTRY_ADDRESS: `${cluster.hostAddress}:${await freePort(cluster.hostAddress)}`,
        BERTH_HOST: '0.0.0.0',
        BERTH_STOP_GRACE: '2s',
      });
      await f.createApp(APP);
    }, 300_000);
    afterAll(async () => {
      await f?.stop();
      await cluster?.stop();
    }, 300_000);

    it('runs on both nodes, answers from each, and moves off a drained node without a failed request', async () => {
      const yaml = nodeBerthYaml({
        count: 4,
        healthPath: '/healthz',
        startTimeout: '60s',
        env: { TEXT: 'spread' },
      });
      await f.deploy(APP, 'stag', await tinyApp({ text: 'spread', berthYaml: yaml }), 600_000);
      const tasks = await runningTasks();
      expect(tasks).toHaveLength(4);
      const [first, second] = cluster.nodes;
      expect(new Set(tasks.map((t) => t.NodeID))).toEqual(new Set([first!.id, second!.id]));

      // Through the gateway, the instances on both nodes answer.
      const hostnames = new Set<string>();
      for (let i = 0; i < 80 && hostnames.size < 4; i++) {
        const res = await f.get(`/t/${APP}/env/HOSTNAME`);
        expect(res.status).toBe(200);
        hostnames.add(res.text);
      }
      expect(await nodesOf(hostnames)).toEqual(new Set([first!.id, second!.id]));

      // The platform lists both nodes.
      const listed = await f.api('GET', '/api/v1/nodes');
      expect(listed.status).toBe(200);
      expect(listed.body.nodes.map((n: { id: string }) => n.id).sort()).toEqual(
        [first!.id, second!.id].sort(),
      );

      // Drain the second node under load.
      const load = steadyLoad(`${f.t.appsUrl}/t/${APP}/`, /^spread v1$/, 4);
      try {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const node = manager.getNode(second!.id);
        const current = (await node.inspect()) as {
          Version: { Index: number };
          Spec: Record<string, unknown>;
        };
        await node.update({ version: current.Version.Index, ...current.Spec, Availability: 'drain' });
        await waitFor(async () => {
          const now = await runningTasks();
          return now.length === 4 && now.every((t) => t.NodeID === first!.id) ? true : undefined;
        }, 180_000);
        // The route table follows the moved instances.
        await new Promise((resolve) => setTimeout(resolve, 3000));
      } finally {
        const result = await load.stop();
        expect(result.failures).toEqual([]);
        expect(result.ok).toBeGreaterThan(50);
      }
      const after = new Set<string>();
      for (let i = 0; i < 40; i++) after.add((await f.get(`/t/${APP}/env/HOSTNAME`)).text);
      expect(await nodesOf(after)).toEqual(new Set([first!.id]));
    }, 900_000);
  });
}
