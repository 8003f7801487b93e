// The API gateway's call records: per component and calling app, the calls of a recent window, their
// status classes, error rate, latency percentiles (read from a histogram: within 29 %) and the last
// errors. `GET /api/v1/apigw/records`.
import { type Static, Type } from '@sinclair/typebox';
import { TimestampSchema } from './common.ts';

/** A window of whole minutes, hours or days: `15m`, `1h`, `24h`, `7d`. */
export const APIGW_RECORDS_WINDOW_PATTERN = '^[1-9][0-9]{0,5}[mhd]$';

export const ApigwRecordsQuerySchema = Type.Object(
  {
    system: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only this system' })),
    component: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: 'Only this component (of any system)' }),
    ),
    app: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only this calling app' })),
    window: Type.Optional(
      Type.String({
        pattern: APIGW_RECORDS_WINDOW_PATTERN,
        default: '1h',
        description:
          'The calls of the last `15m`, `1h`, `24h`, `7d`…, in whole minutes; at most BERTH_APIGW_RECORDS_RETENTION',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ApigwRecordsQuery = Static<typeof ApigwRecordsQuerySchema>;

const count = (description: string) => Type.Integer({ minimum: 0, description });
const ms = (description: string) => Type.Number({ minimum: 0, description });

export const ApigwCallErrorSchema = Type.Object(
  {
    at: TimestampSchema,
    status: Type.Integer({ description: 'The status the caller got' }),
    code: Type.Optional(
      Type.String({ description: "The gateway's error code (APIGW_*); absent: the destination's 5xx" }),
    ),
    message: Type.Optional(Type.String({ maxLength: 500 })),
    requestId: Type.String(),
  },
  { title: 'ApigwCallError' },
);
export type ApigwCallError = Static<typeof ApigwCallErrorSchema>;

export const ApigwRecordSchema = Type.Object(
  {
    system: Type.String(),
    component: Type.String(),
    app: Type.String({ description: "The calling app's code ('' when the call named no known app)" }),
    calls: count('Calls in the window'),
    status: Type.Object(
      { '2xx': count('2xx answers'), '3xx': count('3xx'), '4xx': count('4xx'), '5xx': count('5xx') },
      { description: 'Calls per status class the caller got' },
    ),
    errors: count('Calls refused by the gateway (with an APIGW_* code) or answered 5xx'),
    errorRate: Type.Number({ minimum: 0, maximum: 1, description: 'errors / calls' }),
    latencyMs: Type.Object(
      {
        p50: ms('Median, read from the histogram (within 29 % between 0.5 ms and 60 s)'),
        p90: ms('90th percentile'),
        p99: ms('99th percentile'),
        avg: ms('Mean (exact)'),
        max: ms('Slowest call (exact)'),
      },
      { description: 'Milliseconds, from the call to the answer' },
    ),
    lastErrors: Type.Array(ApigwCallErrorSchema, {
      description: 'Newest first; each (system, component) keeps its last 20 errors',
    }),
  },
  { title: 'ApigwRecord' },
);
export type ApigwRecord = Static<typeof ApigwRecordSchema>;

export const ApigwRecordsResponseSchema = Type.Object({
  items: Type.Array(ApigwRecordSchema, { description: 'By system, component, calling app' }),
  since: Type.Integer({ minimum: 0, description: 'Epoch ms: the first minute the window counts' }),
});
export type ApigwRecordsResponse = Static<typeof ApigwRecordsResponseSchema>;
