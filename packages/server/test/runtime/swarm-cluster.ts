// A Docker Swarm of several nodes on this one machine, for the multi-node tests: each node is a
// dockerd of its own (own data root, exec root and socket) in a network namespace the fixture makes,
// joined to a bridge in the host's namespace by a veth pair, with addresses from a private /24 the
// fixture picks. No traffic leaves the machine: the nodes reach each other and the host over that
// bridge only. The first node initialises the swarm; the others join it as workers.
//
// Everything is made with argument arrays (`ip`, `nsenter`, `iptables`, `umount`) and undone by
// `stop()`, whatever state the nodes are in: services removed, daemons stopped (then killed, with
// their containers' shims), mounts under the nodes' directories detached, namespaces, links and the
// firewall rule removed.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';

export interface ClusterNode {
  name: string;
  /** The node's address on the cluster's bridge (what Swarm advertises). */
  address: string;
  socket: string;
  docker: Docker;
  /** The node's Swarm id. */
  id: string;
}

export interface SwarmCluster {
  nodes: ClusterNode[];
  /** The host's address on the bridge: where the nodes reach services of the host (a registry). */
  hostAddress: string;
  stop(): Promise<void>;
}

const COMMANDS = ['nsenter', 'ip', 'iptables', 'dockerd', 'umount'];
const SEARCHED = [...(process.env['PATH'] ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'];

function onPath(command: string): boolean {
  return SEARCHED.some((dir) => dir !== '' && fs.existsSync(path.join(dir, command)));
}

/** Why this machine cannot make a cluster, or undefined when it can. */
export function clusterUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, a dockerd per node)';
  const missing = COMMANDS.filter((c) => !onPath(c));
  if (missing.length) return `missing ${missing.join(', ')}`;
  if (!fs.existsSync('/proc/sys/net/ipv4/ip_forward')) return 'no IPv4 forwarding in this kernel';
  return undefined;
}

function run(argv: string[], allowFail = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0 || allowFail) resolve(out);
      else reject(new Error(`${argv.join(' ')} exited with ${code}: ${out.trim()}`));
    });
  });
}

/**
 * Starts `size` engines and joins them into one swarm. `images` are copied from the host's engine
 * into every node (no node can pull anything).
 */
export async function startSwarmCluster(o: {
  size: number;
  images: string[];
  host: Docker;
}): Promise<SwarmCluster> {
  const tag = crypto.randomBytes(3).toString('hex');
  const subnet = `10.${100 + crypto.randomInt(100)}.${crypto.randomInt(250)}`;
  const bridge = `bsw${tag}`;
  const hostAddress = `${subnet}.254`;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `berth-swarm-${tag}-`));
  const made = { bridge: false, rule: false, netns: [] as string[], pids: [] as number[] };
  const nodes: ClusterNode[] = [];
  const rule = ['DOCKER-USER', '-i', bridge, '-o', bridge, '-j', 'ACCEPT'];

  async function stop(): Promise<void> {
    for (const node of nodes.slice(1)) await node.docker.swarmLeave({ force: true }).catch(() => {});
    for (const pid of made.pids) signal(pid, 'SIGTERM');
    for (let i = 0; i < 100 && made.pids.some(alive); i++) await sleep(100);
    for (const pid of made.pids) signal(pid, 'SIGKILL');
    // Shims of the nodes' containers outlive a killed dockerd; their address names the node's root.
    for (const pid of processesMentioning(root)) signal(pid, 'SIGKILL');
    await sleep(200);
    const mounts = fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(root))
      .sort()
      .reverse();
    for (const mount of mounts) await run(['umount', '-l', mount], true);
    for (const ns of made.netns) await run(['ip', 'netns', 'del', ns], true);
    if (made.bridge) await run(['ip', 'link', 'del', bridge], true);
    if (made.rule) await run(['iptables', '-D', ...rule], true);
    fs.rmSync(root, { recursive: true, force: true });
  }

  try {
    await run(['ip', 'link', 'add', bridge, 'type', 'bridge']);
    made.bridge = true;
    await run(['ip', 'addr', 'add', `${hostAddress}/24`, 'dev', bridge]);
    await run(['ip', 'link', 'set', bridge, 'up']);
    // The host's dockerd drops forwarded traffic by default; bridged frames pass through FORWARD.
    await run(['iptables', '-I', ...rule]);
    made.rule = true;
    for (let i = 1; i <= o.size; i++) {
      const name = `bsw${tag}n${i}`;
      const address = `${subnet}.${i}`;
      await run(['ip', 'netns', 'add', name]);
      made.netns.push(name);
      const veth = `${name}h`;
      await run(['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name]);
      await run(['ip', 'link', 'set', veth, 'master', bridge]);
      await run(['ip', 'link', 'set', veth, 'up']);
      const inNs = (argv: string[]) => run(['ip', 'netns', 'exec', name, ...argv]);
      await inNs(['ip', 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
      await inNs(['ip', 'link', 'set', 'eth0', 'up']);
      await inNs(['ip', 'link', 'set', 'lo', 'up']);
      await inNs(['ip', 'route', 'add', 'default', 'via', hostAddress]);
      const dir = path.join(root, name);
      for (const sub of ['data', 'exec', 'run']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
      const socket = path.join(dir, 'run', 'docker.sock');
      const log = fs.openSync(path.join(dir, 'dockerd.log'), 'a');
      // nsenter enters the network namespace only (`ip netns exec` would remount /sys and hide the
      // cgroup hierarchies dockerd needs).
      const daemon = spawn(
        'nsenter',
        [
          `--net=/run/netns/${name}`,
          'dockerd',
          '--data-root',
          path.join(dir, 'data'),
          '--exec-root',
          path.join(dir, 'exec'),
          '--pidfile',
          path.join(dir, 'run', 'docker.pid'),
          '--host',
          `unix://${socket}`,
          '--label',
          `berth-test-node=${name}`,
        ],
        { stdio: ['ignore', log, log], detached: true },
      );
      fs.closeSync(log);
      if (daemon.pid === undefined) throw new Error(`dockerd of ${name} did not start`);
      made.pids.push(daemon.pid);
      daemon.unref();
      const docker = new Docker({ socketPath: socket });
      await waitFor(
        async () => (await docker.ping().catch(() => null)) !== null,
        60_000,
        `dockerd of ${name}`,
      );
      nodes.push({ name, address, socket, docker, id: '' });
    }
    // Images first: a node that cannot pull must have them before it runs anything.
    for (const image of o.images) {
      for (const node of nodes) {
        const tar = (await o.host.getImage(image).get()) as NodeJS.ReadableStream;
        const loading = (await node.docker.loadImage(tar)) as NodeJS.ReadableStream;
        await new Promise<void>((resolve, reject) => {
          loading.on('data', () => {});
          loading.once('end', resolve);
          loading.once('error', reject);
        });
      }
    }
    const manager = nodes[0]!;
    await manager.docker.swarmInit({ ListenAddr: `${manager.address}:2377`, AdvertiseAddr: manager.address });
    const swarm = (await manager.docker.swarmInspect()) as { JoinTokens: { Worker: string } };
    for (const node of nodes.slice(1)) {
      await node.docker
        .swarmJoin({
          ListenAddr: `${node.address}:2377`,
          AdvertiseAddr: node.address,
          RemoteAddrs: [`${manager.address}:2377`],
          JoinToken: swarm.JoinTokens.Worker,
        })
        // A join that outlasts the engine's own wait goes on in the background: wait for it below.
        .catch(() => {});
    }
    await waitFor(
      async () => {
        const listed = (await manager.docker.listNodes()) as Array<{
          Status: { State: string; Addr: string };
        }>;
        return listed.filter((n) => n.Status.State === 'ready').length === nodes.length;
      },
      90_000,
      'every node ready in the swarm',
    );
    const listed = (await manager.docker.listNodes()) as Array<{ ID: string; Status: { Addr: string } }>;
    for (const node of nodes) node.id = listed.find((n) => n.Status.Addr === node.address)?.ID ?? '';
    return { nodes, hostAddress, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Processes whose command line mentions `text` (the nodes' dockerd children and shims). */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
