// The registry berthd runs itself (BERTH_REGISTRY=builtin): Debian's docker-registry (the CNCF
// distribution registry), with TLS and htpasswd auth (registry-files.ts), serving the release
// images of cluster runtimes to every node. Like berthd's nginx it runs in a session of its own and
// outlives berthd: nodes keep pulling while berthd restarts, and the next berthd adopts it by its
// pid file (a pid whose command line is not this registry's config is not adopted).
//
// The Docker engine on berthd's host is told to trust the certificate
// (`/etc/docker/certs.d/{address}/ca.crt`, which dockerd reads on every pull and push); every other
// node needs that file too (docs/swarm.md), or an operator's registry with a certificate the nodes
// already trust (BERTH_REGISTRY=https://…).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { Logger } from '../../logger.ts';
import { runProgram } from '../../run-program.ts';
import { prepareRegistryFiles, REGISTRY_USER, type RegistryFiles } from './registry-files.ts';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
export const DOCKER_CERTS_DIR = '/etc/docker/certs.d';

export interface RegistryAccess {
  /** `host:port`, the first part of every image reference in it. */
  address: string;
  username: string;
  password: string;
  /** The CA certificate (PEM) that signs the registry's certificate, when it is not a public one. */
  ca?: string | undefined;
  /** Runs a push of this berthd's so that it does not overlap a garbage collection of this
   *  registry (the builtin one's): a collection deletes the blobs a push uploaded and has not yet
   *  referred to by its manifest. */
  whilePushing?<T>(push: () => Promise<T>): Promise<T>;
}

/** The longest a collection waits for this berthd's pushes to finish before it starts anyway (a
 *  push it then breaks is tried again: pushImage). */
const PUSHES_WAIT_MS = 5 * 60_000;

export interface BuiltinRegistry extends RegistryAccess {
  pid: number;
  /**
   * Frees the space of images no manifest refers to any more (pruned releases): the registry is
   * started again refusing writes, `docker-registry garbage-collect` runs, and it is started again
   * as before. Pulls go on meanwhile (but for a moment at each start); a push in that window is
   * refused, and pushImage tries it again. Resolves with what the collector said.
   */
  collectGarbage(): Promise<string>;
  /** Stops the registry (berthd leaves it running; tests stop theirs). */
  stop(): Promise<void>;
}

export interface BuiltinRegistryOptions {
  dataDir: string;
  /** `host:port` it listens on: an address every node reaches. */
  address: string;
  logger: Logger;
  binary?: string;
  /** Where the host's Docker engine looks for registry CAs (default /etc/docker/certs.d). */
  dockerCertsDir?: string;
}

export async function startBuiltinRegistry(o: BuiltinRegistryOptions): Promise<BuiltinRegistry> {
  const logger = o.logger.child({ mod: 'registry' });
  const files = await prepareRegistryFiles(o.dataDir, o.address);
  const ca = fs.readFileSync(files.cert, 'utf8');
  trustOnThisHost(o.dockerCertsDir ?? DOCKER_CERTS_DIR, o.address, ca);
  const binary = o.binary ?? REGISTRY_BINARY;
  let running = adoptable(files);
  if (running?.readOnly) {
    // A collection a dead berthd did not finish: back to serving writes.
    await stopRegistryProcess(running.pid, files.pidFile);
    running = null;
  }
  let pid: number;
  if (running !== null) {
    pid = running.pid;
    logger.info({ pid, address: o.address }, 'adopted the running registry');
  } else {
    pid = launch(binary, files, files.config);
    logger.info({ pid, address: o.address }, 'started the registry');
  }
  await waitReady(o.address, ca, pid);
  let collecting: Promise<string> | undefined;
  /** Pushes of this berthd under way, and what their end wakes. */
  let pushes = 0;
  let pushesDone: (() => void) | undefined;
  const registry: BuiltinRegistry = {
    address: o.address,
    username: REGISTRY_USER,
    password: files.password,
    ca,
    pid,
    collectGarbage() {
      collecting ??= collect().finally(() => {
        collecting = undefined;
      });
      return collecting;
    },
    async whilePushing(push) {
      // A push waits for a collection under way (its outcome is not the push's business).
      while (collecting) await collecting.catch(() => undefined);
      pushes++;
      try {
        return await push();
      } finally {
        pushes--;
        if (pushes === 0) pushesDone?.();
      }
    },
    stop: () => stopRegistryProcess(registry.pid, files.pidFile),
  };
  /** Restarts the registry with `config` and waits until it answers. */
  const restart = async (config: string) => {
    await stopRegistryProcess(registry.pid, files.pidFile);
    registry.pid = launch(binary, files, config);
    await waitReady(o.address, ca, registry.pid);
  };
  /** Resolves when this berthd has no push under way, or after PUSHES_WAIT_MS. */
  async function noPushes(): Promise<void> {
    if (pushes === 0) return;
    const done = new Promise<void>((resolve) => {
      pushesDone = resolve;
    });
    const waited = await Promise.race([done.then(() => true), sleep(PUSHES_WAIT_MS).then(() => false)]);
    pushesDone = undefined;
    if (!waited) logger.warn({ pushes }, 'collecting the registry garbage with pushes still under way');
  }
  async function collect(): Promise<string> {
    // Pushes that start from now on wait for the collection (whilePushing sees `collecting`).
    await noPushes();
    await restart(files.readOnlyConfig);
    try {
      const result = await runProgram(binary, ['garbage-collect', files.readOnlyConfig], {
        timeoutMs: 30 * 60_000,
      });
      if (result.code !== 0) {
        throw new Error(
          `docker-registry garbage-collect failed (${result.code}): ${result.output.slice(-500)}`,
        );
      }
      const freed = result.output.split('\n').filter((l) => /blob eligible for deletion/i.test(l)).length;
      logger.info({ blobs: freed }, 'collected the registry garbage');
      return result.output;
    } finally {
      await restart(files.config);
    }
  }
  return registry;
}

/**
 * Stops the registry berthd started for this data dir, if one runs (berthd leaves it running when
 * it stops; an operator retiring the installation, and tests, stop it). Resolves false when none ran.
 */
export async function stopBuiltinRegistry(dataDir: string): Promise<boolean> {
  const dir = path.join(dataDir, 'registry');
  const files = {
    pidFile: path.join(dir, 'registry.pid'),
    config: path.join(dir, 'config.yml'),
    readOnlyConfig: path.join(dir, 'config-readonly.yml'),
  };
  const running = adoptable(files);
  if (running === null) return false;
  await stopRegistryProcess(running.pid, files.pidFile);
  return true;
}

async function stopRegistryProcess(pid: number, pidFile: string): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && alive(pid); i++) await sleep(50);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  fs.rmSync(pidFile, { force: true });
}

/** The registry already serving these files (`readOnly`: with the read-only config), or null. */
function adoptable(
  files: Pick<RegistryFiles, 'pidFile' | 'config' | 'readOnlyConfig'>,
): { pid: number; readOnly: boolean } | null {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(files.pidFile, 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 1) return null;
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (path.basename(argv[0] ?? '') !== 'docker-registry') return null;
    if (argv.includes(files.config)) return { pid, readOnly: false };
    if (argv.includes(files.readOnlyConfig)) return { pid, readOnly: true };
    return null;
  } catch {
    return null;
  }
}

function launch(binary: string, files: RegistryFiles, config: string): number {
  if (!fs.existsSync(binary))
    throw new Error(`${binary} is missing: install Debian's docker-registry package`);
  const log = fs.openSync(files.logFile, 'a', 0o600);
  try {
    const child = spawn(binary, ['serve', config], {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: files.dir,
    });
    child.once('error', () => {}); // reported below: no pid
    if (child.pid === undefined) throw new Error(`${binary} could not be started`);
    child.unref();
    fs.writeFileSync(files.pidFile, `${child.pid}\n`, { mode: 0o600 });
    return child.pid;
  } finally {
    fs.closeSync(log);
  }
}

function trustOnThisHost(certsDir: string, address: string, ca: string): void {
  const dir = path.join(certsDir, address);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const file = path.join(dir, 'ca.crt');
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === ca) return;
  fs.writeFileSync(`${file}.tmp`, ca, { mode: 0o644 });
  fs.renameSync(`${file}.tmp`, file);
}

/** Until `GET /v2/` answers 401 (auth on) over TLS with this CA; the process must stay alive. */
async function waitReady(address: string, ca: string, pid: number): Promise<void> {
  const dispatcher = new Agent({ connect: { ca } });
  try {
    for (let i = 0; i < 200; i++) {
      if (!alive(pid)) throw new Error('the registry exited at start (see registry.log in its data dir)');
      try {
        const res = await request(`https://${address}/v2/`, { dispatcher, headersTimeout: 1000 });
        await res.body.dump();
        if (res.statusCode === 401) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(`the registry does not answer at https://${address}/v2/`);
  } finally {
    await dispatcher.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}
