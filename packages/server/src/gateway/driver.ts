// The seam between the control plane (berthd: the store, the engine, health checks, domains) and a
// data plane that carries the apps' traffic: the built-in Node.js gateway or nginx. The control
// plane hands a driver a complete table (route-model.ts) with a sequence number; the driver answers
// only when every one of its serving processes serves that table, so the engine drains old
// instances only once nobody can route to them. One contract suite (test/gateway/contract/) runs
// against every driver.
import type { MetricsSnapshot } from './gateway-metrics.ts';
import type { GatewayTable } from './route-model.ts';

export type GatewayDriverKind = 'builtin' | 'nginx';

export interface GatewayListeners {
  /** Plain HTTP: the apps port. */
  http: { host: string; port: number };
  /** HTTPS with SNI, when a port for it is configured. */
  https?: { host: string; port: number } | undefined;
}

export interface GatewayProcessStatus {
  pid: number;
  /** The sequence of the table this process serves (-1: none yet). */
  seq: number;
}

export interface GatewayStatus {
  kind: GatewayDriverKind;
  /** The last sequence every serving process confirmed (-1 before the first apply). */
  seq: number;
  processes: GatewayProcessStatus[];
  /** Where it listens, once started. */
  listeners: GatewayListeners | null;
}

export interface GatewayDriver {
  readonly kind: GatewayDriverKind;
  /**
   * Starts serving `table` (or adopts a data plane that outlived the previous berthd, which then
   * gets `table`). Resolves once it listens and serves `seq`.
   */
  start(table: GatewayTable, seq: number): Promise<GatewayListeners>;
  /**
   * Serves `table` from now on. Resolves once every serving process serves `seq`; a process that
   * does not confirm in time is replaced by one that serves it. Rejects with a GatewayApplyError
   * when the table cannot be served (a bad table, nginx -t refusing the configuration): the
   * previous table keeps serving, unchanged. Calls are made one at a time, with rising `seq`.
   */
  apply(table: GatewayTable, seq: number): Promise<void>;
  status(): GatewayStatus;
  /** Request counters per app environment, summed over the driver's processes. */
  metrics(): Promise<MetricsSnapshot>;
  /**
   * berthd is stopping. `keepServing`: a data plane that can outlive berthd (nginx) goes on
   * serving the last table, to be adopted by the next `start`; otherwise everything stops after
   * requests in flight finish.
   */
  close(options?: { keepServing?: boolean }): Promise<void>;
}

export class GatewayApplyError extends Error {
  constructor(
    message: string,
    /** What the data plane said (nginx -t's output, say). */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'GatewayApplyError';
  }
}
