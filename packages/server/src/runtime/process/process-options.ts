// Settings of the process driver, with their defaults written once.
import fs from 'node:fs';
import type { SecretBox } from '../../crypto/secret-box.ts';
import type { Logger } from '../../logger.ts';
import { SETTING_DEFAULTS } from '../../setting-defaults.ts';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from '../restart-policy.ts';
import { defaultPath } from './instance-env.ts';
import { DEFAULT_LOG_SETTINGS, type LogSettings } from './log-collector.ts';

export interface ProcessDriverOptions {
  /** berthd's data dir: state files, logs and app dirs live under it. */
  dataDir: string;
  logger: Logger;
  restartPolicy?: Partial<RestartPolicy>;
  logs?: Partial<LogSettings> & {
    /** How often spools are collected (250 ms). */
    pollMs?: number;
    /** Logs of instances that are gone are deleted this long after their last line (7 days). */
    retainMs?: number;
  };
  /** Default grace between SIGTERM and SIGKILL (10 s). */
  stopGraceMs?: number;
  /** How often adopted instances (not our children) are checked for life (1 s). */
  livenessPollMs?: number;
  /** A listen instance that dies within this long of starting, while something else holds its port,
   *  moves to a new port instead of counting a crash (5 s). */
  portConflictWindowMs?: number;
  /** Loopback address instances listen on (127.0.0.1). */
  host?: string;
  /** Allocate ports from this range instead of the kernel's ephemeral ports. */
  ports?: { min: number; max: number };
  /** PATH after the spec's pathPrepend when the spec sets none. */
  basePath?: string;
  /** Seals the spec's env in state files (pass berthd's SecretBox). */
  secretBox?: SecretBox;
  /** util-linux prlimit for the pids limit; null disables it (default: /usr/bin/prlimit if present). */
  prlimitPath?: string | null;
}

export interface ResolvedOptions {
  dataDir: string;
  policy: RestartPolicy;
  logs: LogSettings & { pollMs: number; retainMs: number };
  stopGraceMs: number;
  livenessPollMs: number;
  portConflictWindowMs: number;
  host: string;
  ports: { min: number; max: number } | undefined;
  basePath: string;
  secretBox: SecretBox | undefined;
  prlimitPath: string | undefined;
}

export function resolveOptions(options: ProcessDriverOptions): ResolvedOptions {
  const prlimit =
    options.prlimitPath === null ? undefined : (options.prlimitPath ?? findExecutable('/usr/bin/prlimit'));
  return {
    dataDir: options.dataDir,
    policy: { ...DEFAULT_RESTART_POLICY, ...options.restartPolicy },
    logs: {
      ...DEFAULT_LOG_SETTINGS,
      pollMs: 250,
      retainMs: SETTING_DEFAULTS.logRetentionMs,
      ...options.logs,
    },
    stopGraceMs: options.stopGraceMs ?? SETTING_DEFAULTS.stopGraceMs,
    livenessPollMs: options.livenessPollMs ?? 1000,
    portConflictWindowMs: options.portConflictWindowMs ?? 5000,
    host: options.host ?? '127.0.0.1',
    ports: options.ports,
    basePath: options.basePath ?? defaultPath(),
    secretBox: options.secretBox,
    prlimitPath: prlimit,
  };
}

function findExecutable(file: string): string | undefined {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return file;
  } catch {
    return undefined;
  }
}
