// The environment of an instance: only the spec's vars plus what the platform adds. Nothing of
// berthd's own environment (its config, database URL, secret key) reaches an app.
import path from 'node:path';
import type { InstanceSpec } from '../driver.ts';

/** Where a listening instance is told to listen (HOST), unless its vars say otherwise. */
const LISTEN_HOST = '127.0.0.1';

const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * PATH when the spec does not set one: the directory of the Node.js berthd runs on (`node` is then
 * the same Node.js 24 that berth/stack-node carries on the Docker runtime, not the system's), then
 * the system's directories.
 */
export function defaultPath(nodeBinary: string = process.execPath): string {
  return [...new Set([path.dirname(nodeBinary), ...SYSTEM_PATH])].join(':');
}

/**
 * spec.vars, then: PORT (listen instances; always the allocated one) and HOST = 127.0.0.1 unless the
 * spec sets it (servers that read HOST listen on loopback only, where the gateway reaches them, and
 * not on the machine's other addresses), HOME (the app's data dir unless the spec sets it), PATH =
 * pathPrepend (resolved inside the artifact) + (spec.vars.PATH or basePath).
 */
export function instanceEnv(
  spec: InstanceSpec,
  extra: { port: number | undefined; home: string; basePath: string },
): Record<string, string> {
  const env: Record<string, string> = { ...spec.vars };
  const prepend = (spec.pathPrepend ?? []).map((dir) => path.join(spec.artifactDir, dir));
  env['PATH'] = [...prepend, spec.vars['PATH'] ?? extra.basePath].join(':');
  env['HOME'] = spec.vars['HOME'] ?? extra.home;
  if (extra.port !== undefined) {
    env['PORT'] = String(extra.port);
    env['HOST'] ??= LISTEN_HOST;
  }
  return env;
}
