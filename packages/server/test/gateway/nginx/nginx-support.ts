// Real nginx for the nginx driver's system tests: whether Debian's binary is here (skip with a
// message, or fail with BERTH_TEST_NGINX=1), a driver in a temporary prefix on a free loopback
// port, and a check that no nginx master of a test's prefix is left running.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { GatewayDriver } from '../../../src/gateway/driver.ts';
import { DEBIAN_MODULES_DIR, luaModuleFiles } from '../../../src/gateway/nginx/berthd-parts.ts';
import { createNginxDriver, type NginxDriverOptions } from '../../../src/gateway/nginx/nginx-driver.ts';
import { silentLogger } from '../../../src/logger.ts';

export const NGINX = '/usr/sbin/nginx';

/** The Lua module's files for dynamic upstreams (Debian's libnginx-mod-http-lua), or null (with a
 *  message) when they are not installed; required with BERTH_TEST_NGINX=1 (.ci/run installs them). */
export function luaModulesForTests(suite: string): string[] | null {
  const { modules, missing } = luaModuleFiles(DEBIAN_MODULES_DIR);
  if (missing.length === 0) return modules;
  const reason = `${missing.join(', ')} not installed (apt-get install libnginx-mod-http-lua)`;
  if (process.env.BERTH_TEST_NGINX === '1')
    throw new Error(`${suite} cannot run (BERTH_TEST_NGINX=1): ${reason}`);
  console.warn(`skipping ${suite}: ${reason}`);
  return null;
}

/** Why the nginx tests cannot run here, or null. Throws when BERTH_TEST_NGINX=1 requires them. */
export function nginxUnavailable(suite: string): string | null {
  const reason = fs.existsSync(NGINX) ? null : `${NGINX} is not installed`;
  if (reason !== null && process.env.BERTH_TEST_NGINX === '1') {
    throw new Error(`${suite} cannot run (BERTH_TEST_NGINX=1): ${reason}`);
  }
  if (reason !== null) console.warn(`skipping ${suite}: ${reason}`);
  return reason;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface TestNginx {
  driver: GatewayDriver;
  prefix: string;
  port: number;
  options: NginxDriverOptions;
  /** Another driver object on the same prefix and port (as the next berthd would create). */
  again(extra?: Partial<NginxDriverOptions>): GatewayDriver;
}

/** A driver in a new temporary prefix; `cleanup` stops its nginx and removes the prefix. */
export async function nginxDriver(
  cleanup: Array<() => Promise<void> | void>,
  extra: Partial<NginxDriverOptions> = {},
): Promise<TestNginx> {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-nginx-'));
  // nginx's workers run as nobody when the tests run as root: they read error pages in the prefix.
  fs.chmodSync(prefix, 0o755);
  const port = await freePort();
  const options: NginxDriverOptions = {
    logger: silentLogger(),
    prefix,
    listen: { host: '127.0.0.1', port },
    binary: NGINX,
    ...extra,
    render: { workerProcesses: 2, ...extra.render },
  };
  const driver = createNginxDriver(options);
  cleanup.push(async () => {
    await driver.close();
    await killMasters(prefix);
    fs.rmSync(prefix, { recursive: true, force: true });
  });
  return {
    driver,
    prefix,
    port,
    options,
    again: (more = {}) => createNginxDriver({ ...options, ...more }),
  };
}

/** Pids of nginx masters started with `-p {prefix}/`. */
export function mastersOf(prefix: string): number[] {
  const found: number[] = [];
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0+/g, ' ');
      if (title.startsWith('nginx: master process') && title.includes(` -p ${prefix}/ `)) {
        found.push(Number(entry));
        // A worker carries its master's title for a moment after the fork.
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      }
    } catch {
      // gone meanwhile
    }
  }
  return found.filter((pid) => !found.includes(parents.get(pid) ?? -1));
}

/** Every nginx process (master, workers, orphaned workers) with a file of `prefix` open. */
export function nginxProcessesOf(prefix: string): number[] {
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').startsWith('nginx: ')) continue;
      const fds = fs.readdirSync(`/proc/${entry}/fd`);
      if (fds.some((fd) => safeReadlink(`/proc/${entry}/fd/${fd}`).startsWith(`${prefix}/`))) {
        found.push(Number(entry));
      }
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function safeReadlink(link: string): string {
  try {
    return fs.readlinkSync(link);
  } catch {
    return '';
  }
}

/** Last resort after a failed test: no nginx process of this prefix survives it. */
async function killMasters(prefix: string): Promise<void> {
  const pids = nginxProcessesOf(prefix);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // exited meanwhile
    }
  }
  const deadline = Date.now() + 10_000;
  while (nginxProcessesOf(prefix).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
