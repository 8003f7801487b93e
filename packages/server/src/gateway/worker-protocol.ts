// What berthd (the primary) and its gateway worker processes say to each other over the cluster's
// IPC channel. Everything is plain data (JSON serialisation). The exchange:
//   worker -> hello                      once its message listener is attached
//   primary -> init {settings, table, seq}
//   worker -> ready {port, seq} | failed {message}
//   primary -> route-table {table, seq}   (ROUTE_TABLE_MESSAGE)  worker -> applied {seq}
//                                         | apply-failed {seq, message} (it keeps its old table)
//   primary -> metrics {id}              worker -> metrics-reply {id, metrics}
//   primary -> shutdown {graceMs}        worker closes its server and exits
//   worker -> call {id, method, args}    primary -> answer {id, value | error} (the primary's
//                                         services, for route policies run in the worker)
//   primary -> notice {name}             (something a policy keeps a copy of changed)
// A worker whose IPC channel closes (berthd exited, even by SIGKILL) stops serving and exits.
import type { ConnectionLimits } from './connection-guard.ts';
import type { MetricsSnapshot } from './gateway-metrics.ts';
import type { GatewayTable } from './route-model.ts';
import type { TrustProxySetting } from './trusted-proxies.ts';
import type { UpstreamPoolOptions } from './upstreams.ts';

/** How a worker serves: what berthd's config says, as plain data. */
export interface WorkerSettings {
  /** Slot number (0 … n-1), shown in the worker's log lines. */
  index: number;
  port: number;
  host: string;
  /** Also serve HTTPS (a port other than 0). */
  https?: { host: string; port: number };
  logLevel: string;
  accessLog: boolean;
  /** BERTH_TRUST_PROXY: false, true or a list of addresses and CIDR ranges. */
  trustProxy: TrustProxySetting;
  /** Header timeout and per-address connection cap; defaults when unset. */
  limits?: Omit<ConnectionLimits, 'trustProxy'>;
  /** Headers added to requests proxied to platform routes (berthd's API): the gateway key. */
  platformHeaders: string[];
  pool?: UpstreamPoolOptions;
  /** Time an app gets to start answering (60 s). */
  upstreamHeadersTimeoutMs?: number;
}

/** A refusal or failure of a primary's service, as it travels back (a BerthError's parts). */
export interface ServiceError {
  code: string;
  message: string;
  details?: unknown;
}

export type PrimaryMessage =
  | { type: 'berth:gateway:init'; settings: WorkerSettings; table: GatewayTable; seq: number }
  | { type: 'berth:gateway:answer'; id: number; value?: unknown; error?: ServiceError }
  | { type: 'berth:gateway:notice'; name: string }
  | { type: 'berth:gateway:metrics'; id: number }
  | { type: 'berth:gateway:shutdown'; graceMs: number };

export type WorkerMessage =
  | { type: 'berth:gateway:hello' }
  | { type: 'berth:gateway:ready'; port: number; httpsPort?: number; seq: number }
  | { type: 'berth:gateway:failed'; message: string }
  | { type: 'berth:gateway:applied'; seq: number }
  | { type: 'berth:gateway:apply-failed'; seq: number; message: string }
  | { type: 'berth:gateway:metrics-reply'; id: number; metrics: MetricsSnapshot }
  | { type: 'berth:gateway:call'; id: number; method: string; args: unknown[] };

/**
 * What the primary offers the policies its workers run (route-model.ts ROUTE_POLICIES): a method
 * by name, with plain-data arguments and answer (JSON over the IPC channel). A refusal is thrown as
 * a BerthError and reaches the worker with its code, message and details; anything else as INTERNAL.
 */
export type PrimaryServices = (method: string, args: unknown[]) => Promise<unknown>;

function typed(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const type = (message as { type?: unknown }).type;
  return typeof type === 'string' && type.startsWith('berth:gateway:') ? type : undefined;
}

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  return typed(message) !== undefined;
}

export function isPrimaryMessage(message: unknown): message is PrimaryMessage {
  return typed(message) !== undefined;
}
