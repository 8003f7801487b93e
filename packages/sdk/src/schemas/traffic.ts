// What the gateway counted of an app's requests: per environment, requests by status class, bytes
// sent and latency percentiles, since the gateway began counting (berthd's start).
// `GET /api/v1/apps/{code}/traffic`; the same counters for every app are in the Prometheus
// exposition, `GET /api/v1/metrics`.
import { type Static, Type } from '@sinclair/typebox';
import { EnvNameSchema, TimestampSchema } from './common.ts';

const count = (description: string) => Type.Integer({ minimum: 0, description });
const ms = (description: string) => Type.Number({ minimum: 0, description });

export const AppTrafficEnvSchema = Type.Object(
  {
    env: EnvNameSchema,
    requests: count('Requests the gateway answered for this environment'),
    status: Type.Object(
      {
        '1xx': count('1xx answers'),
        '2xx': count('2xx answers'),
        '3xx': count('3xx answers (redirects included)'),
        '4xx': count('4xx answers'),
        '5xx': count("5xx answers: the app's, and the gateway's 502, 503 and 504"),
      },
      { description: 'Requests per status class the client got' },
    ),
    errorRate: Type.Number({
      minimum: 0,
      maximum: 1,
      description: '5xx answers / requests (0 without requests)',
    }),
    bytesOut: count('Response body bytes sent to clients'),
    latencyMs: Type.Object(
      {
        p50: ms('Median, estimated from the histogram (linear within a bucket)'),
        p90: ms('90th percentile, estimated likewise'),
        p99: ms('99th percentile, estimated likewise'),
        avg: ms('Mean (exact)'),
      },
      {
        description:
          'Milliseconds from the request to the end of the answer. The histogram bounds are 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000 and 10000 ms; a percentile above the last is given as 10000',
      },
    ),
  },
  { title: 'AppTrafficEnv' },
);
export type AppTrafficEnv = Static<typeof AppTrafficEnvSchema>;

export const AppTrafficSchema = Type.Object(
  {
    app: Type.String(),
    gateway: Type.Union([Type.Literal('builtin'), Type.Literal('nginx')], {
      description: 'The gateway that counted (BERTH_GATEWAY)',
    }),
    since: TimestampSchema,
    envs: Type.Array(AppTrafficEnvSchema, {
      description: 'stag, then prod; an environment that had no request since `since` is absent',
    }),
  },
  {
    title: 'AppTraffic',
    description:
      "Counted by the gateway in memory since `since` (berthd's start): they begin again at 0 when berthd restarts. For rates and history, scrape GET /api/v1/metrics with Prometheus.",
  },
);
export type AppTraffic = Static<typeof AppTrafficSchema>;
