// What the gateway counted of the apps' traffic, for the people who may see it: an app's counters
// per environment for whoever may read the app (`GET /api/v1/apps/{code}/traffic`), and every
// app's, with berthd's own gauges, as a Prometheus exposition for admins, operators and auditors
// (`GET /api/v1/metrics`; a scraper authenticates with an API token of such a user).
import { type AppTraffic, type AppTrafficEnv, ENV_NAMES, type EnvName, type Role } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { MetricsSnapshot, RouteCounters } from '../gateway/gateway-metrics.ts';
import type { Actor } from '../identity/actor.ts';
import { latencyQuantile } from './latency-quantile.ts';
import { type ExpositionInput, renderExposition } from './prometheus.ts';

/** Who may read every app's counters and berthd's gauges. */
export const METRICS_READERS: readonly Role[] = ['admin', 'operator', 'auditor'];

export interface TrafficService {
  /** The app's counters per environment; APP_NOT_FOUND when the actor may not read the app. */
  appTraffic(actor: Actor, code: string): Promise<AppTraffic>;
  /** The Prometheus text exposition; FORBIDDEN but for METRICS_READERS. */
  exposition(actor: Actor): Promise<string>;
}

export interface TrafficDeps {
  /** The gateway driver's counters (summed over its processes). */
  metrics(): Promise<MetricsSnapshot>;
  /** Throws (APP_NOT_FOUND, FORBIDDEN) unless the actor may read the app (apps/permissions.ts). */
  canRead(actor: Actor, code: string): Promise<void>;
  /** berthd's version and drivers; `gateway` is the one that counts. */
  info: ExpositionInput['info'] & { gateway: AppTraffic['gateway'] };
  /** berthd's start: when counting began. */
  startedAt: number;
  /** What changes while berthd runs: the route table the gateway serves, the job queue. */
  live(): Promise<Pick<ExpositionInput, 'tableSeq' | 'jobs'>>;
}

function envTraffic(env: EnvName, c: RouteCounters): AppTrafficEnv {
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    env,
    requests: c.requests,
    status: {
      '1xx': c.status1xx,
      '2xx': c.status2xx,
      '3xx': c.status3xx,
      '4xx': c.status4xx,
      '5xx': c.status5xx,
    },
    errorRate: c.requests === 0 ? 0 : c.status5xx / c.requests,
    bytesOut: c.bytesOut,
    latencyMs: {
      p50: round(latencyQuantile(c.latencyBuckets, 0.5)),
      p90: round(latencyQuantile(c.latencyBuckets, 0.9)),
      p99: round(latencyQuantile(c.latencyBuckets, 0.99)),
      avg: c.requests === 0 ? 0 : round(c.latencySumMs / c.requests),
    },
  };
}

export function createTrafficService(deps: TrafficDeps): TrafficService {
  return {
    async appTraffic(actor, code) {
      await deps.canRead(actor, code);
      const snapshot = await deps.metrics();
      const envs: AppTrafficEnv[] = [];
      for (const env of ENV_NAMES) {
        const counters = snapshot.routes.find((c) => c.app === code && c.env === env);
        if (counters !== undefined && counters.requests > 0) envs.push(envTraffic(env, counters));
      }
      return { app: code, gateway: deps.info.gateway, since: deps.startedAt, envs };
    },

    async exposition(actor) {
      if (!METRICS_READERS.includes(actor.role)) throw new BerthError('FORBIDDEN');
      const [gateway, live] = await Promise.all([deps.metrics(), deps.live()]);
      return renderExposition({ ...live, info: deps.info, startedAt: deps.startedAt, gateway });
    },
  };
}
