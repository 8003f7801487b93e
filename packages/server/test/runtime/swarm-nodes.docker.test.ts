// listSwarmNodes against this machine's Docker engine as a single-node swarm (initialised through the
// Engine API when it is not one, and left in place: other tests use it): the node as the Engine API
// describes it, its labels, and the running tasks of this installation's services counted on it,
// not those of another installation's.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listSwarmNodes } from '../../src/runtime/swarm/node-list.ts';
import { removeTree } from './contract.ts';
import { buildTestImage, DOCKER_SKIP_REASON, dockerEnabled, TEST_IMAGE } from './docker-fixtures.ts';
import { swarmSkipReason } from './swarm-fixtures.ts';

if (!dockerEnabled) {
  process.stdout.write(`swarm node list tests skipped: ${DOCKER_SKIP_REASON}\n`);
  describe('listSwarmNodes', () => {
    it.skip(`swarm node list (skipped: ${DOCKER_SKIP_REASON})`, () => {});
  });
} else {
  const docker = new Docker();
  const run = crypto.randomBytes(4).toString('hex');
  const owner = `nodes-${run}`;
  const label = `berth-test.nodes-${run}`;
  const services: Docker.Service[] = [];
  let nodeId = '';

  /** A service of `serviceOwner` running `replicas` idle tasks of the test image. */
  async function idleService(serviceOwner: string, replicas: number): Promise<void> {
    const service = await docker.createService({
      Name: `berth-nodes-test-${run}-${services.length}`,
      Labels: { 'berth.owner': serviceOwner },
      TaskTemplate: {
        ContainerSpec: {
          Image: TEST_IMAGE,
          Command: ['/usr/local/bin/node', '-e', 'setInterval(() => {}, 1 << 30)'],
        },
        RestartPolicy: { Condition: 'none' },
      },
      Mode: { Replicated: { Replicas: replicas } },
    });
    services.push(service);
  }

  /** Sets or removes this run's label on the node. */
  async function labelNode(value: string | undefined): Promise<void> {
    const node = docker.getNode(nodeId);
    const current = await node.inspect();
    const labels = { ...(current.Spec.Labels ?? {}) };
    if (value === undefined) delete labels[label];
    else labels[label] = value;
    await node.update({ version: current.Version.Index, ...current.Spec, Labels: labels });
  }

  describe('listSwarmNodes', () => {
    const imageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-nodes-images-'));
    beforeAll(async () => {
      const notSwarm = await swarmSkipReason(docker);
      if (notSwarm) throw new Error(notSwarm);
      nodeId = (await docker.info()).Swarm.NodeID;
      await buildTestImage(docker, imageDir);
    }, 600_000);
    afterAll(async () => {
      for (const service of services) await service.remove();
      if (nodeId) await labelNode(undefined);
      removeTree(imageDir);
    }, 60_000);

    it('describes the node as the Engine API does, with its labels', async () => {
      await labelNode('a');
      const info = await docker.info();
      const nodes = await listSwarmNodes(docker, owner);
      const node = nodes.find((n) => n.id === nodeId);
      expect(node).toEqual({
        id: nodeId,
        hostname: info.Name,
        role: 'manager',
        availability: 'active',
        state: 'ready',
        address: expect.stringMatching(/^[0-9a-f.:]+$/),
        leader: true,
        labels: expect.objectContaining({ [label]: 'a' }),
        engineVersion: info.ServerVersion,
        cpus: info.NCPU,
        memoryBytes: info.MemTotal,
        instances: 0,
      });
      expect(nodes.map((n) => n.hostname)).toEqual([...nodes.map((n) => n.hostname)].sort());
    });

    it("counts the running tasks of the owner's services on the node, not another owner's", async () => {
      await idleService(owner, 2);
      await idleService(`other-${run}`, 1);
      await vi.waitFor(
        async () => {
          const node = (await listSwarmNodes(docker, owner)).find((n) => n.id === nodeId);
          expect(node?.instances).toBe(2);
          const other = (await listSwarmNodes(docker, `other-${run}`)).find((n) => n.id === nodeId);
          expect(other?.instances).toBe(1);
        },
        { timeout: 60_000, interval: 500 },
      );
      await services[0]!.remove();
      services.shift();
      await vi.waitFor(
        async () => {
          const node = (await listSwarmNodes(docker, owner)).find((n) => n.id === nodeId);
          expect(node?.instances).toBe(0);
        },
        { timeout: 60_000, interval: 500 },
      );
    }, 150_000);
  });
}
