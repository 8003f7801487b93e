// Keeps app containers away from the ports Swarm publishes on this node. A listen instance's port is
// published in host mode, and Engine API 1.41 has no host IP for that: the port listens on every
// address of the node, including the gateway of `docker_gwbridge`, the bridge every task container
// goes out through. Without a rule, any app's task reaches any other app's instance there.
//
// Which chain that traffic takes, measured on this project's Docker 20.10 (userland proxy on, the
// default): Swarm publishes a task's port as a DNAT rule in nat `DOCKER` for packets *not* from
// docker_gwbridge (`! -i docker_gwbridge`) plus a docker-proxy listening on 0.0.0.0:port, and nat
// `DOCKER` begins with `-i docker_gwbridge -j RETURN`. So a packet from a container to
// {gateway or node address}:{published port} is not DNAT'd: it is delivered locally, through filter
// INPUT, to docker-proxy, which connects to the task. (A counting rule in INPUT `-i docker_gwbridge
// --dport <port>` counted the probe's packets; one in DOCKER-USER counted none.) The rule therefore
// is in INPUT. With `"userland-proxy": false` Docker DNATs containers' packets too and they are
// forwarded through DOCKER-USER: the DOCKER-USER rule, which matches the port before DNAT in
// conntrack, is for that configuration (not exercised on this project's machines).
//
// What is dropped: new TCP connections from docker_gwbridge (tasks) and docker0 (build steps run on
// the default bridge) to the host's ephemeral port range (/proc/sys/net/ipv4/ip_local_port_range),
// which is where Docker picks published ports. Replies to connections the host made (berthd's
// gateway → docker-proxy → task) are not new and pass; berthd's gateway connects from the host
// itself (loopback or the node's address, never through these bridges), so it is not affected.
// berthd's own ports (`exemptPorts`: the API instances call as BERTH_API_URL, the apps gateway)
// are let through first: with BERTH_PORT=0 they are in that range too.
//
// The rules live in a chain of their own, `BERTH-PUBLISHED`, jumped to from INPUT and DOCKER-USER;
// `ensure` checks every rule with `iptables -C` and adds what is missing (argument arrays only, `-w`
// waits for the xtables lock), so it is idempotent, and it runs at the driver's first use, again
// whenever the exempt ports change and every minute (dockerd restarts keep INPUT and DOCKER-USER,
// an operator's `iptables-restore` may not). Rules are never removed. Only this node is covered:
// docs/swarm.md says what an operator of a swarm of several nodes must firewall.
import fs from 'node:fs';
import { BerthError, isBerthError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import { runProgram } from '../../run-program.ts';

export const FIREWALL_CHAIN = 'BERTH-PUBLISHED';
/** The bridges containers of this engine reach the host through: tasks, and build steps. */
export const CONTAINER_BRIDGES = ['docker_gwbridge', 'docker0'] as const;
const RECHECK_MS = 60_000;

export interface PublishedPortsFirewall {
  /** Installs what is missing (checked again after a minute, or when the exempt ports changed);
   *  fails with RUNTIME_START_FAILED when iptables cannot. */
  ensure(): Promise<void>;
  /** The same for the periodic check: a failed check is not tried again within the minute. */
  refresh(): Promise<void>;
}

/** The rules, in order, as `iptables` arguments after `-A`/`-C`/`-I`: pure, for the tests. */
export function firewallRules(
  range: { low: number; high: number },
  exemptPorts: Iterable<number>,
): Array<{ chain: string; rule: string[] }> {
  const ports = `${range.low}:${range.high}`;
  const newTcp = ['-p', 'tcp', '-m', 'conntrack', '--ctstate', 'NEW'];
  return [
    ...[...new Set(exemptPorts)]
      .sort((a, b) => a - b)
      .map((port) => ({
        chain: FIREWALL_CHAIN,
        rule: ['-p', 'tcp', '--dport', String(port), '-j', 'RETURN'],
      })),
    { chain: FIREWALL_CHAIN, rule: [...newTcp, '--dport', ports, '-j', 'DROP'] },
    ...CONTAINER_BRIDGES.flatMap((bridge) => [
      { chain: 'INPUT', rule: ['-i', bridge, '-j', FIREWALL_CHAIN] },
      {
        chain: 'DOCKER-USER',
        rule: [
          '-i',
          bridge,
          ...newTcp,
          '-m',
          'conntrack',
          '--ctstate',
          'DNAT',
          '--ctorigdstport',
          ports,
          '-j',
          'DROP',
        ],
      },
    ]),
  ];
}

/** Docker's (the kernel's) ephemeral port range, where published ports are picked. */
export function ephemeralPortRange(): { low: number; high: number } {
  const [low, high] = fs
    .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number);
  if (!low || !high) throw new Error('cannot read /proc/sys/net/ipv4/ip_local_port_range');
  return { low, high };
}

export function createPublishedPortsFirewall(opts: {
  logger: Logger;
  exemptPorts: () => Iterable<number>;
}): PublishedPortsFirewall {
  /** The last check: with which exempt ports, when, and whether every rule was in place. */
  let last: { key: string; at: number; ok: boolean } | undefined;
  let running: Promise<void> | undefined;

  const iptables = async (args: string[]) => runProgram('iptables', ['-w', '10', ...args]);

  async function install(exempt: number[]): Promise<void> {
    const rules = firewallRules(ephemeralPortRange(), exempt);
    const made = await iptables(['-N', FIREWALL_CHAIN]);
    if (made.code !== 0 && !/exists/i.test(made.output)) throw failure(made.output);
    // Exemptions go before the drop (inserted at the top); jumps go first in their chain.
    for (const { chain, rule } of rules) {
      const present = await iptables(['-C', chain, ...rule]);
      if (present.code === 0) continue;
      const position =
        chain === FIREWALL_CHAIN && rule.at(-1) === 'DROP' ? ['-A', chain] : ['-I', chain, '1'];
      const added = await iptables([...position, ...rule]);
      if (added.code !== 0) throw failure(added.output);
      opts.logger.info({ chain, rule: rule.join(' ') }, 'firewall rule added');
    }
  }

  function check(exempt: number[], key: string): Promise<void> {
    running ??= install(exempt)
      .then(
        () => {
          last = { key, at: Date.now(), ok: true };
        },
        (err: unknown) => {
          last = { key, at: Date.now(), ok: false };
          throw isBerthError(err) ? err : failure(String(err));
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  function ports(): { exempt: number[]; key: string; fresh: boolean } {
    const exempt = [...new Set(opts.exemptPorts())].sort((a, b) => a - b);
    const key = exempt.join(',');
    return { exempt, key, fresh: last?.key === key && Date.now() - last.at < RECHECK_MS };
  }

  return {
    ensure() {
      const { exempt, key, fresh } = ports();
      return fresh && last?.ok ? Promise.resolve() : check(exempt, key);
    },
    refresh() {
      const { exempt, key, fresh } = ports();
      return fresh ? Promise.resolve() : check(exempt, key);
    },
  };
}

function failure(output: string): BerthError {
  return new BerthError(
    'RUNTIME_START_FAILED',
    'The firewall rules that keep apps away from published ports could not be installed (iptables, as root)',
    { error: output.slice(0, 500) },
  );
}
