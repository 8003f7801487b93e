// The nginx gateway driver: berthd renders the route table into nginx's configuration
// (render.ts), and runs and supervises its own nginx master (Debian's binary) in a prefix
// directory of its own. nginx daemonizes into a session of its own, so it outlives berthd: apps
// keep serving while berthd is down, and the next berthd adopts the master (pid file +
// /proc/PID/cmdline) instead of starting another.
//
// apply(table, seq): check the table, render it into a new directory `conf/{seq}-{random}/`, have
// `nginx -t` test it (refused: the directory is removed, nothing else changes), point the
// `current` link at it (a rename: atomic), SIGHUP the master, then confirm: the control socket
// answers `seq` on fresh connections once the new workers serve (timeout: the link goes back to
// the last good configuration and the apply fails). The last few good directories are kept.
//
// With dynamic upstreams (render-lua.ts) a table whose configuration, apart from which instances
// serve, is the one served, is applied without a reload: the driver writes the servers to the data
// file the master loads on (re)start and sends them to the workers' shared dictionary through the
// control socket. Any other table, or a data update that fails, takes the reload path.
//
// The logs nginx writes in the prefix (the access log and its error log) are rotated by size once a
// second (log-rotation.ts): the access log's counters are read up to the rotation first, then nginx
// reopens its logs. While berthd is down nothing rotates them.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { Logger } from '../../logger.ts';
import {
  GatewayApplyError,
  type GatewayDriver,
  type GatewayListeners,
  type GatewayStatus,
} from '../driver.ts';
import type { MetricsSnapshot } from '../gateway-metrics.ts';
import { checkGatewayTable, type GatewayTable } from '../route-model.ts';
import { type AccessLogReader, createAccessLogReader } from './access-log-reader.ts';
import { DEFAULT_LOG_ROTATION, type LogRotationSettings, logsDue, rotateLog } from './log-rotation.ts';
import {
  alive,
  askSeq,
  baseArgs,
  errorLogPath,
  isMasterOf,
  isNginxChild,
  masterPid,
  type NginxCommand,
  putUpstreams,
  runNginx,
  startMaster,
  stillAccepting,
  systemMasterPid,
  testConfig,
  testSystemConfig,
  workerPids,
} from './nginx-process.ts';
import {
  DATA_FILES,
  HTTP_INCLUDE,
  MAIN_CONFIG,
  type RenderedFile,
  renderNginxConfig,
  TEST_CONFIG,
  UPSTREAM_DATA,
} from './render.ts';
import type { NginxListen, NginxRenderSettings } from './render-settings.ts';

export interface NginxDriverOptions {
  logger: Logger;
  /** Directory nginx runs in (absolute; created, berthd's own): pid file, logs, configurations. */
  prefix: string;
  /** The apps port. */
  listen: NginxListen;
  /** The HTTPS listener, when configured. */
  https?: NginxListen | undefined;
  /** The nginx binary (default `/usr/sbin/nginx`). */
  binary?: string;
  /** Render settings passed through (workers, user, trusted proxies, timeouts, body limit,
   *  platform secret, keepalive). */
  render?: Omit<
    NginxRenderSettings,
    'prefix' | 'confDir' | 'listen' | 'https' | 'controlSocket' | 'accessLog' | 'seq'
  >;
  /** How long an apply waits for the workers to serve the new table after the reload signal (default
   *  60 s: nginx parses the whole configuration again, several seconds for 10,000 apps). */
  applyTimeoutMs?: number;
  /** How often the master is checked; a dead master is restarted with the last good config
   *  (default 1 s). */
  superviseIntervalMs?: number;
  /** Good configuration directories kept besides the current one (default 2). */
  keepConfigs?: number;
  /** When the logs in the prefix are rotated, and how many rotated ones are kept (default 64 MiB,
   *  3). Checked every `superviseIntervalMs`. */
  logRotation?: LogRotationSettings | undefined;
  /**
   * Drive a system nginx (the distribution's service) instead of starting one: its http block
   * includes `{prefix}/current/http*.conf` (a line the operator adds once, e.g. in
   * /etc/nginx/conf.d/berth.conf); berthd tests its part alone, then the whole system
   * configuration, and reloads with `nginx -s reload`. It never starts or stops that nginx.
   */
  system?: { configFile?: string } | undefined;
  /** Test hook: rewrites the rendered nginx.conf before `nginx -t` (to force a broken one); a
   *  rewritten one is a new configuration, so a table that changes only servers is reloaded too. */
  mangleConfig?: (text: string) => string;
  /** Dynamic upstreams (berthd's own nginx only): the module files nginx loads for them
   *  (`load_module`), e.g. Debian's ndk_http_module.so and ngx_http_lua_module.so. */
  dynamicUpstreams?: { modules: readonly string[] } | undefined;
}

interface Paths {
  pidFile: string;
  current: string;
  confRoot: string;
  controlSocket: string;
  accessLog: string;
  errorLog: string;
  upstreamData: string;
}

function pathsOf(prefix: string): Paths {
  return {
    pidFile: path.join(prefix, 'nginx.pid'),
    current: path.join(prefix, 'current'),
    confRoot: path.join(prefix, 'conf'),
    controlSocket: path.join(prefix, 'control.sock'),
    accessLog: path.join(prefix, 'logs', 'access.json'),
    errorLog: errorLogPath(prefix),
    upstreamData: path.join(prefix, 'upstreams.txt'),
  };
}

export function createNginxDriver(options: NginxDriverOptions): GatewayDriver {
  const log = options.logger.child({ mod: 'gateway-nginx' });
  if (!path.isAbsolute(options.prefix)) throw new Error('the nginx prefix must be an absolute path');
  const prefix = options.prefix.replace(/\/+$/, '');
  const command: NginxCommand = { binary: options.binary ?? '/usr/sbin/nginx', prefix };
  const paths = pathsOf(prefix);
  const applyTimeoutMs = options.applyTimeoutMs ?? 60_000;
  const keepConfigs = options.keepConfigs ?? 2;
  const rotation = options.logRotation ?? DEFAULT_LOG_ROTATION;
  const listeners: GatewayListeners = { http: options.listen, https: options.https };
  if (options.dynamicUpstreams !== undefined && options.system !== undefined) {
    throw new Error("dynamic upstreams need berthd's own nginx, not a system nginx");
  }
  const dynamic =
    options.dynamicUpstreams === undefined
      ? undefined
      : { modules: options.dynamicUpstreams.modules, dataFile: paths.upstreamData };

  let pid: number | null = null;
  let seq = -1;
  /** The control answer of the configuration served (`{seq} {directory}`). */
  let served: string | null = null;
  /** The digest of the served configuration's structure (its files but the data files). */
  let servedStructure: string | null = null;
  let started = false;
  let closed = false;
  let supervisor: NodeJS.Timeout | null = null;
  let restarting: Promise<void> | null = null;
  let reader: AccessLogReader | null = null;
  /** Serialises apply and restarts. */
  let queue: Promise<unknown> = Promise.resolve();

  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const mainConfig = (): string => path.join(paths.current, MAIN_CONFIG);
  const systemConfig =
    options.system === undefined ? null : (options.system.configFile ?? '/etc/nginx/nginx.conf');
  /** What the renderer writes first and nginx -t checks: the main file, or the test wrapper. */
  const entryFile = systemConfig === null ? MAIN_CONFIG : TEST_CONFIG;
  const mangledFile = systemConfig === null ? MAIN_CONFIG : HTTP_INCLUDE;

  /** Whether `p` is still this prefix's nginx master (not exited, not a reused pid). */
  const running = (p: number): boolean => alive(p) && isMasterOf(command, p);

  /** Points the `current` link at `target` (a new link renamed over the old one: atomic). */
  const pointAt = (target: string): void => {
    const temp = `${paths.current}.${process.pid}.tmp`;
    fs.rmSync(temp, { force: true });
    fs.symlinkSync(target, temp);
    fs.renameSync(temp, paths.current);
  };

  interface Rendered {
    name: string;
    files: Map<string, RenderedFile>;
    /** Digest of every file but the data files. */
    structure: string;
  }

  /** Checks and renders a table into the files of a configuration directory `conf/{name}`. */
  const render = (table: GatewayTable, nextSeq: number): Rendered => {
    try {
      checkGatewayTable(table);
    } catch (error) {
      throw new GatewayApplyError((error as Error).message);
    }
    // Every certificate of the table, used by a host or not, must load (as in the built-in
    // gateway): nginx -t would only see the ones a server block names.
    for (const cert of table.certificates ?? []) {
      try {
        tls.createSecureContext({ cert: cert.certPem, key: cert.keyPem });
      } catch (error) {
        throw new GatewayApplyError(`certificate ${cert.id}: ${(error as Error).message}`);
      }
    }
    const name = `${nextSeq}-${crypto.randomBytes(4).toString('hex')}`;
    let files: Map<string, RenderedFile>;
    try {
      files = renderNginxConfig(table, {
        ...options.render,
        prefix,
        confDir: path.join(paths.confRoot, name),
        listen: options.listen,
        https: options.https,
        controlSocket: paths.controlSocket,
        accessLog: paths.accessLog,
        seq: nextSeq,
        controlToken: `${nextSeq} ${name}`,
        mode: systemConfig === null ? 'own' : 'system',
        dynamicUpstreams: dynamic,
      });
    } catch (error) {
      throw new GatewayApplyError((error as Error).message);
    }
    const mangled = files.get(mangledFile);
    if (mangled !== undefined && options.mangleConfig !== undefined) {
      files.set(mangledFile, { ...mangled, content: options.mangleConfig(mangled.content) });
    }
    const contents = new Map([...files].map(([relative, file]) => [relative, file.content]));
    return { name, files, structure: structureOf(contents, name) };
  };

  /** With dynamic upstreams, a master this driver adopts serves the `current` directory: its
   *  structure is read back, so that a new berthd's first table that only moves servers needs no
   *  reload either (clients of the apps do not notice the restart). */
  const adoptStructure = async (): Promise<void> => {
    if (dynamic === undefined) return;
    let name: string;
    try {
      name = path.basename(fs.readlinkSync(paths.current));
    } catch {
      return;
    }
    const answer = await askSeq(paths.controlSocket);
    if (answer === null || answer.split(' ')[1] !== name) return;
    const contents = readTree(path.join(paths.confRoot, name));
    if (contents === null) return;
    servedStructure = structureOf(contents, name);
    served = answer;
  };

  /** Writes a rendered configuration and has nginx test it (refused: the directory is removed). */
  const prepare = async ({ name, files }: Rendered, nextSeq: number): Promise<void> => {
    const dir = path.join(paths.confRoot, name);
    fs.mkdirSync(dir, { mode: 0o755 });
    for (const [relative, file] of files) {
      const target = path.join(dir, relative);
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
      fs.writeFileSync(target, file.content, { mode: file.mode, flag: 'wx' });
    }
    const refused = await testConfig(command, path.join(dir, entryFile));
    if (refused !== null) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new GatewayApplyError(`nginx refused the configuration of table ${nextSeq}`, refused);
    }
  };

  /** The data file the master loads (dynamic upstreams): replaced whole (a rename). */
  const readData = (): string | null => {
    try {
      return fs.readFileSync(paths.upstreamData, 'utf8');
    } catch {
      return null;
    }
  };
  const writeData = (content: string): void => {
    const temp = `${paths.upstreamData}.${process.pid}.tmp`;
    fs.writeFileSync(temp, content, { mode: 0o600 });
    fs.renameSync(temp, paths.upstreamData);
  };

  /** Sends the servers to the workers; throws when they do not hold `nextSeq` afterwards. */
  const sendData = async (content: string, nextSeq: number): Promise<void> => {
    const answer = await putUpstreams(paths.controlSocket, content);
    if (answer.seq !== String(nextSeq)) {
      throw new GatewayApplyError(
        `nginx did not take the upstreams of table ${nextSeq}`,
        answer.error ?? `it holds ${answer.seq}`,
      );
    }
  };

  /** A table that changes only which instances serve: no reload. */
  const applyData = async (rendered: Rendered, nextSeq: number): Promise<void> => {
    const content = rendered.files.get(UPSTREAM_DATA)!.content;
    const previous = readData();
    writeData(content);
    try {
      await sendData(content, nextSeq);
    } catch (error) {
      if (previous !== null) writeData(previous);
      throw error;
    }
    seq = nextSeq;
    log.debug({ seq: nextSeq }, 'nginx serves the table (upstreams only)');
  };

  /** Points `current` at `conf/{name}` (rename over the old link: atomic); returns the old target. */
  const switchTo = (name: string): string | null => {
    let previous: string | null = null;
    try {
      previous = fs.readlinkSync(paths.current);
    } catch {
      previous = null;
    }
    pointAt(path.join('conf', name));
    return previous;
  };

  const prune = (): void => {
    let entries: string[];
    try {
      entries = fs.readdirSync(paths.confRoot);
    } catch {
      return;
    }
    const current = path.basename(fs.readlinkSync(paths.current));
    const bySeq = entries
      .filter((e) => e !== current && /^\d+-[0-9a-f]{8}$/.test(e))
      .sort((a, b) => Number(b.split('-')[0]) - Number(a.split('-')[0]));
    for (const old of bySeq.slice(keepConfigs)) {
      fs.rmSync(path.join(paths.confRoot, old), { recursive: true, force: true });
    }
  };

  /** Waits until fresh connections to the control socket answer `expected` several times in a row
   *  (nginx's old workers stop accepting shortly after the new ones start). */
  const confirm = async (wanted: string): Promise<boolean> => {
    const deadline = Date.now() + applyTimeoutMs;
    let streak = 0;
    while (Date.now() < deadline) {
      const answer = await askSeq(paths.controlSocket);
      streak = answer === wanted ? streak + 1 : 0;
      if (streak >= 5) return true;
      if (streak === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  };

  const ensureDirs = (): void => {
    for (const dir of [prefix, paths.confRoot, path.join(prefix, 'logs'), path.join(prefix, 'tmp')]) {
      fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    }
  };

  const startNew = async (): Promise<number> => {
    fs.rmSync(paths.controlSocket, { force: true });
    const started = await startMaster(command, mainConfig(), paths.pidFile);
    log.info({ pid: started }, 'nginx started');
    return started;
  };

  /** The system nginx: its whole configuration (now including the new part) tested, then reloaded.
   *  Resolves with the workers its master had before the reload (the ones that must stop accepting
   *  before the apply holds; none when the pid file names no running master). */
  const reloadSystem = async (configFile: string): Promise<number[]> => {
    const tested = await testSystemConfig(command, configFile);
    if (!tested.ok) {
      throw new GatewayApplyError(
        'the system nginx refused its configuration with the new table',
        tested.output,
      );
    }
    const master = systemMasterPid(tested.pidFile);
    const workers = master === null ? [] : workerPids(master);
    if (master === null)
      log.warn({ pidFile: tested.pidFile }, 'no system nginx master runs from its pid file');
    const reloaded = await runNginx(command, ['-s', 'reload', '-c', configFile]);
    if (reloaded.code !== 0)
      throw new GatewayApplyError('the system nginx could not be reloaded', reloaded.output);
    return workers;
  };

  /** Waits until none of `workers` (the previous configuration's) may accept a connection: new
   *  connections are shared out by the kernel among every worker still listening, so the control
   *  socket answering the new sequence alone does not prove that old workers stopped. */
  const oldWorkersStopped = async (workers: number[]): Promise<boolean> => {
    const deadline = Date.now() + applyTimeoutMs;
    while (workers.some(stillAccepting)) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return true;
  };

  const doApply = async (table: GatewayTable, nextSeq: number): Promise<void> => {
    const rendered = render(table, nextSeq);
    if (dynamic !== undefined && rendered.structure === servedStructure && pid !== null && running(pid)) {
      try {
        await applyData(rendered, nextSeq);
        return;
      } catch (error) {
        log.warn({ err: error, seq: nextSeq }, 'nginx did not take the upstreams; reloading instead');
      }
    }
    let oldWorkers: number[] = [];
    const { name } = rendered;
    await prepare(rendered, nextSeq);
    const previous = switchTo(name);
    const data = rendered.files.get(UPSTREAM_DATA)?.content;
    const previousData = data === undefined ? null : readData();
    try {
      // The master loads the data file when it starts or reloads.
      if (data !== undefined) writeData(data);
      if (systemConfig !== null) oldWorkers = await reloadSystem(systemConfig);
      else {
        const master = pid !== null && running(pid) ? pid : null;
        if (master === null) pid = await startNew();
        else {
          oldWorkers = workerPids(master);
          process.kill(master, 'SIGHUP');
        }
      }
      if (!(await confirm(`${nextSeq} ${name}`)) || !(await oldWorkersStopped(oldWorkers))) {
        throw new GatewayApplyError(
          `nginx did not serve table ${nextSeq} within ${applyTimeoutMs} ms (see ${path.join(prefix, 'logs', 'error.log')})`,
        );
      }
      // The master loaded the servers from the file; sent again, so that the apply holds only when
      // the workers have exactly these (a file the master could not read leaves the old ones).
      if (data !== undefined) await sendData(data, nextSeq);
    } catch (error) {
      // The link goes back to the configuration nginx serves (a master that could not load the new
      // one keeps its old one); the refused directory is removed. The workers get the servers they
      // had (a master that began the reload loaded the new ones).
      if (previous !== null) pointAt(previous);
      if (data !== undefined && previousData !== null) {
        writeData(previousData);
        if (pid !== null && running(pid)) {
          const restored = await putUpstreams(paths.controlSocket, previousData);
          if (restored.error !== null) log.error({ error: restored.error }, 'nginx: upstreams not restored');
        }
      }
      fs.rmSync(path.join(paths.confRoot, name), { recursive: true, force: true });
      if (error instanceof GatewayApplyError) throw error;
      throw new GatewayApplyError(`nginx could not serve table ${nextSeq}`, (error as Error).message);
    }
    seq = nextSeq;
    served = `${nextSeq} ${name}`;
    servedStructure = rendered.structure;
    prune();
    log.info({ seq: nextSeq, config: name }, 'nginx serves the table');
  };

  /** The workers of the running master, as last seen: a master killed outright leaves them
   *  serving (and holding the ports), so they are stopped before another master starts. */
  let knownWorkers: number[] = [];

  const stopOrphans = async (): Promise<void> => {
    const orphans = knownWorkers.filter((w) => alive(w) && isNginxChild(w));
    knownWorkers = [];
    for (const w of orphans) process.kill(w, 'SIGQUIT');
    const deadline = Date.now() + 10_000;
    while (orphans.some((w) => alive(w) && isNginxChild(w)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    for (const w of orphans) if (alive(w) && isNginxChild(w)) process.kill(w, 'SIGKILL');
  };

  /** Back-off between restart attempts (ms), doubled per failure up to 30 s. */
  let retryDelay = 0;
  let retryAt = 0;

  /** A master that died while berthd runs: started again on the last good configuration. */
  const supervise = (): void => {
    if (closed || restarting !== null || pid === null || Date.now() < retryAt) return;
    if (running(pid)) {
      knownWorkers = workerPids(pid);
      return;
    }
    log.warn({ pid }, 'nginx master is gone; starting it again with the last good configuration');
    restarting = serial(async () => {
      if (closed) return;
      const adopted = masterPid(command, paths.pidFile);
      if (adopted === null) await stopOrphans();
      pid = adopted ?? (await startNew());
      if (served !== null && !(await confirm(served)))
        log.error({ seq }, 'restarted nginx does not confirm the table');
      retryDelay = 0;
    })
      .catch((error: unknown) => {
        retryDelay = Math.min(30_000, Math.max(500, retryDelay * 2));
        retryAt = Date.now() + retryDelay;
        log.error({ err: error, retryInMs: retryDelay }, 'nginx could not be restarted');
      })
      .finally(() => {
        restarting = null;
      });
  };

  /** A rotation under way (the counters' read, the renames, nginx's reopen): no other until it ends. */
  let rotating = false;

  /** Rotates the logs that reached their limit, counting the access log's lines up to there first;
   *  then nginx reopens its logs (a master that is not running opens new ones when it starts). */
  const rotateLogs = (): void => {
    if (closed || rotating) return;
    const due = logsDue([paths.accessLog, paths.errorLog], rotation);
    if (due.length === 0) return;
    rotating = true;
    const rotate = async (): Promise<void> => {
      await reader?.read();
      if (closed) return;
      for (const file of due) rotateLog(file, rotation);
      await reopen();
      log.info({ logs: due.map((f) => path.basename(f)) }, 'nginx logs rotated');
    };
    rotate()
      .catch((error: unknown) => log.warn({ err: error }, 'nginx logs could not be rotated'))
      .finally(() => {
        rotating = false;
      });
  };

  const reopen = async (): Promise<void> => {
    if (systemConfig !== null) {
      const done = await runNginx(command, ['-s', 'reopen', '-c', systemConfig]);
      if (done.code !== 0) throw new Error(done.output);
      return;
    }
    if (pid !== null && running(pid)) process.kill(pid, 'SIGUSR1');
  };

  const tick = (): void => {
    supervise();
    rotateLogs();
  };

  return {
    kind: 'nginx',

    start(table, firstSeq) {
      return serial(async () => {
        if (started) throw new Error('the nginx driver is already started');
        started = true;
        ensureDirs();
        fs.closeSync(fs.openSync(paths.accessLog, 'a'));
        reader = createAccessLogReader(paths.accessLog);
        pid = masterPid(command, paths.pidFile);
        if (pid !== null) {
          log.info({ pid }, 'adopting the running nginx');
          await adoptStructure();
        }
        try {
          await doApply(table, firstSeq);
        } catch (error) {
          // Not started: a later start() may try again.
          started = false;
          reader.close();
          reader = null;
          throw error;
        }
        // A system nginx is the system's to supervise; its logs in the prefix are rotated here.
        supervisor = setInterval(
          systemConfig === null ? tick : rotateLogs,
          options.superviseIntervalMs ?? 1_000,
        );
        supervisor.unref();
        return listeners;
      });
    },

    apply(table, nextSeq) {
      return serial(async () => {
        if (!started || closed) throw new GatewayApplyError('the nginx driver is not running');
        await doApply(table, nextSeq);
      });
    },

    status(): GatewayStatus {
      const processes = pid === null ? [] : [pid, ...workerPids(pid)].map((p) => ({ pid: p, seq }));
      return { kind: 'nginx', seq, processes, listeners: started ? listeners : null };
    },

    async metrics(): Promise<MetricsSnapshot> {
      return reader === null ? { routes: [], unrouted: { requests: 0 } } : reader.read();
    },

    close(closeOptions) {
      closed = true;
      if (supervisor !== null) clearInterval(supervisor);
      supervisor = null;
      return serial(async () => {
        reader?.close();
        reader = null;
        if (closeOptions?.keepServing === true || pid === null) return;
        const master = pid;
        pid = null;
        if (!running(master)) {
          await stopOrphans();
          return;
        }
        // QUIT: workers finish what they serve, then the master exits.
        process.kill(master, 'SIGQUIT');
        const deadline = Date.now() + 30_000;
        while (running(master) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        if (running(master)) {
          log.warn({ pid: master }, 'nginx did not quit in time; stopping it');
          await runNginx(command, ['-s', 'stop', ...baseArgs(prefix, mainConfig())]);
        }
      });
    },
  };
}

/** Digest of a configuration's structure: every file but the data files, with the directory's own
 *  name (which the files name in their includes) taken out. */
function structureOf(contents: ReadonlyMap<string, string>, name: string): string {
  const digest = crypto.createHash('sha256');
  for (const relative of [...contents.keys()].sort()) {
    if (DATA_FILES.includes(relative)) continue;
    digest.update(`${relative}\0${contents.get(relative)!.replaceAll(name, '@')}\0`);
  }
  return digest.digest('hex');
}

/** Every file under `dir` by relative path (with `/`), or null when it cannot be read. */
function readTree(dir: string): Map<string, string> | null {
  const contents = new Map<string, string>();
  try {
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const full = path.join(entry.parentPath, entry.name);
      contents.set(path.relative(dir, full).split(path.sep).join('/'), fs.readFileSync(full, 'utf8'));
    }
  } catch {
    return null;
  }
  return contents;
}
