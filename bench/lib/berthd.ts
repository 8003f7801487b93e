// A real berthd for the benchmarks, started the way `npm start` does: compiled once per bench run
// (scripts/build.mjs into a directory of the run's own), then `node <dir>/berthd.mjs` as a child
// process (so its memory and restart can be measured), on a loopback port, with a temporary data
// directory, SQLite and a known admin password; driven through the SDK client. Clean-up deletes the
// apps it deployed, stops berthd, kills any instance left running (from the runtime's state files),
// removes the Unix users berthd created when running as root (`berth-{installation}-{uid}`), and the
// data directory.
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BerthClient, type Deploy } from '@berth/sdk';
import { stopNginx } from '../../packages/server/src/gateway/nginx/index.ts';
import { DOCKER_CERTS_DIR, stopBuiltinRegistry } from '../../packages/server/src/images/registry/index.ts';
import {
  captureOutput,
  childPids,
  cmdline,
  exited,
  freePort,
  onCleanup,
  StopWaiting,
  start,
  stop,
  waitFor,
} from './procs.ts';

const execFileAsync = promisify(execFile);
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** Where this run's compiled berthd goes (inside the repository, where node_modules is found). */
const BUILD_DIR = path.join(REPO, 'packages/server', `.dist-bench-${process.pid}`);
export const ADMIN_PASSWORD = 'bench-admin-password-1';

let built: Promise<string> | undefined;

/** The node flags of `npm start` (package.json's start script), so berthd runs here as it runs there. */
function startFlags(): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  return manifest.scripts['start']!.split(/\s+/).filter((word) => word.startsWith('--'));
}

/** Compiles berthd (once until the next clean-up) and returns the path of its entry point. */
export function buildBerthd(): Promise<string> {
  built ??= (async () => {
    onCleanup(async () => {
      built = undefined;
      fs.rmSync(BUILD_DIR, { recursive: true, force: true });
    });
    await execFileAsync(process.execPath, [path.join(REPO, 'scripts/build.mjs'), '--outdir', BUILD_DIR], {
      cwd: REPO,
    });
    return path.join(BUILD_DIR, 'berthd.mjs');
  })();
  return built;
}

/** berthd's gateway worker processes (children running the bundle's gateway-worker.mjs). */
export function gatewayWorkerPids(primary: number): number[] {
  return childPids(primary).filter((pid) => cmdline(pid).some((arg) => arg.endsWith('gateway-worker.mjs')));
}

/** A short id that makes this run's app codes, users and containers unique. */
export const RUN_ID = crypto.randomBytes(2).toString('hex');

export interface BenchBerthd {
  /** The console and API. */
  readonly url: string;
  readonly port: number;
  /** The apps origin (the gateway): apps at `/o/{code}/`, `/t/{code}/`. */
  readonly appsUrl: string;
  readonly appsPort: number;
  readonly dataDir: string;
  readonly env: Record<string, string>;
  /** The current berthd process (changes after `restart`). */
  readonly child: ChildProcess;
  readonly client: BerthClient;
  /** App codes created through `createApp` (deleted at clean-up). */
  readonly apps: Set<string>;
  createApp(code: string): Promise<void>;
  /** Sends a signal to berthd (SIGKILL for the recovery benchmark) and waits until it is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts berthd again on the same data directory and port; resolves once it answers. */
  restart(): Promise<void>;
  /** Deletes the apps, stops berthd and removes everything it left. */
  close(): Promise<void>;
}

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('BERTH_')) env[key] = value;
  }
  return env;
}

export async function startBenchBerthd(
  name: string,
  extraEnv: Record<string, string> = {},
): Promise<BenchBerthd> {
  const main = await buildBerthd();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `berth-bench-${name}-`));
  const port = await freePort();
  let appsPort = await freePort();
  while (appsPort === port) appsPort = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const appsUrl = `http://127.0.0.1:${appsPort}`;
  const env: Record<string, string> = {
    BERTH_PORT: String(port),
    BERTH_APPS_PORT: String(appsPort),
    BERTH_PUBLIC_URL: url,
    BERTH_APPS_URL: appsUrl,
    BERTH_HOST: '127.0.0.1',
    BERTH_DATA_DIR: dataDir,
    BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
    BERTH_LOG_LEVEL: 'warn',
    // The benchmarks time deploys, not approvals: prod deploys go ahead without a request.
    BERTH_PROD_APPROVAL: 'false',
    ...extraEnv,
  };
  const apps = new Set<string>();
  let child!: ChildProcess;
  let output: () => string = () => '';

  const launch = async () => {
    child = start(process.execPath, [...startFlags(), main], {
      cwd: REPO,
      env: { ...cleanEnv(), ...env },
    });
    output = captureOutput(child);
    const current = child;
    await waitFor(
      `berthd (${name}) to answer on ${url}`,
      async () => {
        if (current.exitCode !== null || current.signalCode !== null) {
          throw new StopWaiting(
            `berthd exited (${current.exitCode ?? current.signalCode}): ${output().slice(-2000)}`,
          );
        }
        const res = await fetch(`${url}/healthz`);
        await res.body?.cancel();
        return res.status === 200 ? true : undefined;
      },
      120_000,
      25,
    );
  };

  const removeAll = onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null && authed) {
      await deleteApps(authed, [...apps]);
    }
    await stop(child, 30_000);
    // With the nginx driver, berthd's nginx outlives it by design.
    if (env['BERTH_GATEWAY'] === 'nginx') await stopNginx(path.join(dataDir, 'nginx')).catch(() => false);
    // So does Swarm's registry (and the engine's trust in it).
    if (await stopBuiltinRegistry(dataDir).catch(() => false)) {
      const address = env['BERTH_REGISTRY_ADDRESS'];
      if (address) fs.rmSync(path.join(DOCKER_CERTS_DIR, address), { recursive: true, force: true });
    }
    killLeftInstances(dataDir);
    const installation = installationOf(dataDir);
    if (installation) {
      await removeServices(installation);
      await removeContainers(installation);
      await deleteUsers(installation);
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  let authed: BerthClient | undefined;
  try {
    await launch();
    const anonymous = new BerthClient({ baseUrl: url });
    const login = await anonymous.login({ username: 'admin', password: ADMIN_PASSWORD });
    if (!login.sessionToken) throw new Error('login returned no session token');
    authed = anonymous.with({
      sessionToken: login.sessionToken,
      ...(login.sessionCookie ? { sessionCookie: login.sessionCookie } : {}),
    });
  } catch (err) {
    await removeAll();
    throw err;
  }
  const client = authed;

  return {
    url,
    port,
    appsUrl,
    appsPort,
    dataDir,
    env,
    get child() {
      return child;
    },
    client,
    apps,
    async createApp(code) {
      apps.add(code);
      await client.createApp({ code, name: code });
    },
    async kill(signal) {
      child.kill(signal);
      await exited(child);
    },
    restart: launch,
    close: removeAll,
  };
}

async function deleteApps(client: BerthClient, codes: string[]): Promise<void> {
  const queue = [...codes];
  const worker = async () => {
    for (let code = queue.shift(); code !== undefined; code = queue.shift()) {
      await client.deleteApp(code).catch(() => {});
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Field 22 of /proc/<pid>/stat (start time), or undefined when the process is gone. */
function startTime(pid: number): number | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

/** Kills the process group of every instance the process runtime still lists in its state files. */
function killLeftInstances(dataDir: string): void {
  const dir = path.join(dataDir, 'runtime', 'instances');
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return;
  }
  for (const file of files) {
    try {
      const record = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
        pid?: number;
        procStartTime?: number;
      };
      if (!record.pid || startTime(record.pid) !== record.procStartTime) continue;
      process.kill(-record.pid, 'SIGKILL');
    } catch {
      // Gone already, or not ours to signal.
    }
  }
}

/** The installation's code from berthd's SQLite store (undefined when it never got that far). */
function installationOf(dataDir: string): string | undefined {
  try {
    // Read-only: fails rather than creating the file when berthd never got that far.
    const db = new DatabaseSync(path.join(dataDir, 'berth.db'), { readOnly: true });
    try {
      const row = db.prepare("SELECT code FROM installation WHERE id = 'self'").get() as
        | { code: string }
        | undefined;
      return row?.code;
    } finally {
      db.close();
    }
  } catch {
    return undefined;
  }
}

/** Deletes the Unix users berthd left (root only): all users of the installation. */
async function deleteUsers(installation: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const passwd = fs.readFileSync('/etc/passwd', 'utf8');
  const prefix = `berth-${installation}-`;
  for (const line of passwd.split('\n')) {
    const name = line.split(':')[0] ?? '';
    if (!name.startsWith(prefix)) continue;
    await execFileAsync('userdel', [name]).catch((err: Error) => {
      process.stderr.write(`bench: could not delete user ${name}: ${err.message}\n`);
    });
  }
}

/** Docker Engine API call over the local socket; undefined when Docker does not answer. */
export function dockerApi(
  method: string,
  apiPath: string,
): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = http.request(
      { socketPath: '/var/run/docker.sock', path: apiPath, method, timeout: 5_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Removes services left by the Swarm runtime (labelled `berth.owner={installation}`). */
async function removeServices(installation: string): Promise<void> {
  if (!fs.existsSync('/var/run/docker.sock')) return;
  const filters = encodeURIComponent(JSON.stringify({ label: [`berth.owner=${installation}`] }));
  const list = await dockerApi('GET', `/services?filters=${filters}`);
  if (list?.status !== 200) return;
  for (const service of JSON.parse(list.body) as Array<{ ID: string }>) {
    await dockerApi('DELETE', `/services/${service.ID}`);
  }
}

/** Removes containers left by the Docker runtime (named `berth-{installation}-…`). */
async function removeContainers(installation: string): Promise<void> {
  if (!fs.existsSync('/var/run/docker.sock')) return;
  const list = await dockerApi('GET', '/containers/json?all=true');
  if (list?.status !== 200) return;
  const containers = JSON.parse(list.body) as Array<{ Id: string; Names: string[] }>;
  for (const container of containers) {
    const ours = container.Names.some((n) => n.startsWith(`/berth-${installation}-`));
    if (ours) await dockerApi('DELETE', `/containers/${container.Id}?force=true&v=true`);
  }
}

/** Polls a deploy until it has finished; throws unless it succeeded. */
export async function waitDeploy(client: BerthClient, id: string, timeoutMs = 300_000): Promise<Deploy> {
  const deploy = await waitFor(
    `deploy ${id}`,
    async () => {
      const { deploy } = await client.getDeploy(id);
      return ['succeeded', 'failed', 'cancelled'].includes(deploy.status) ? deploy : undefined;
    },
    timeoutMs,
    50,
  );
  if (deploy.status !== 'succeeded') {
    const logs = await client.deployLogs(id).catch(() => undefined);
    const tail = logs ? JSON.stringify(logs).slice(-1500) : '';
    throw new Error(`deploy ${id} ${deploy.status}: ${deploy.error ?? ''} ${tail}`);
  }
  return deploy;
}

/** Polls `url` until its body contains `marker` (status 200); resolves with the time it took. */
export async function waitServes(url: string, marker: string, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    `${url} to serve "${marker}"`,
    async () => {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      const text = await res.text();
      return res.status === 200 && text.includes(marker) ? true : undefined;
    },
    timeoutMs,
    10,
  );
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
