// The API gateway's call records: one row per (minute, system, component, calling app, replica)
// with that replica's totals of the minute (call-totals.ts; the latency histogram is one integer
// column per bucket, so that the store sums them), and the last errors of each (system, component).
// Only the replica named in a row writes it. Names are compared case and all (BK_SOPS is not
// bk_sops); times are epoch milliseconds (store/dialect.ts).
import type { Kysely } from 'kysely';
import { columnTypes, dialectOf } from '../store/dialect.ts';
import type { MigrationSet } from '../store/migrate.ts';
import { type CallTotals, emptyTotals } from './call-totals.ts';

/** One column per latency bucket, in the order of LATENCY_BOUNDS_MS (and the slower-than-all last). */
export const LATENCY_COLUMNS = [
  'lat_00',
  'lat_01',
  'lat_02',
  'lat_03',
  'lat_04',
  'lat_05',
  'lat_06',
  'lat_07',
  'lat_08',
  'lat_09',
  'lat_10',
  'lat_11',
  'lat_12',
  'lat_13',
  'lat_14',
  'lat_15',
  'lat_16',
  'lat_17',
  'lat_18',
  'lat_19',
  'lat_20',
  'lat_21',
  'lat_22',
  'lat_23',
  'lat_24',
] as const;
export type LatencyColumn = (typeof LATENCY_COLUMNS)[number];

/** The totals' columns of a record row (all but its key). */
export type TotalsColumns = {
  calls: number;
  status_2xx: number;
  status_3xx: number;
  status_4xx: number;
  status_5xx: number;
  errors: number;
  latency_sum_us: number;
  latency_max_us: number;
} & { [K in LatencyColumn]: number };

export type ApigwCallRecordsTable = {
  /** The minute's start (a multiple of 60 000). */
  bucket_start: number;
  system: string;
  component: string;
  /** The calling app's code ('' when the call named no app the gateway knows). */
  app: string;
  /** The berthd replica that served the calls and alone writes the row. */
  replica: string;
} & TotalsColumns;

export interface ApigwCallErrorsTable {
  id: string;
  system: string;
  component: string;
  app: string;
  at: number;
  status: number;
  /** The gateway's error code (APIGW_*), or null for a 5xx the destination answered. */
  code: string | null;
  /** At most 500 characters. */
  message: string | null;
  request_id: string;
}

export interface ApigwRecordsTables {
  apigw_call_records: ApigwCallRecordsTable;
  apigw_call_errors: ApigwCallErrorsTable;
}

/** The row columns of some totals. */
export function totalsColumns(t: CallTotals): TotalsColumns {
  const columns = {
    calls: t.calls,
    status_2xx: t.status['2xx'],
    status_3xx: t.status['3xx'],
    status_4xx: t.status['4xx'],
    status_5xx: t.status['5xx'],
    errors: t.errors,
    latency_sum_us: t.latencySumUs,
    latency_max_us: t.latencyMaxUs,
  } as TotalsColumns;
  LATENCY_COLUMNS.forEach((column, i) => {
    columns[column] = t.latency[i] ?? 0;
  });
  return columns;
}

/** The totals of a row, or of a sum of rows (whose numbers a driver may hand back as text). */
export function totalsOfColumns(row: Record<keyof TotalsColumns, unknown>): CallTotals {
  const t = emptyTotals();
  t.calls = Number(row.calls);
  t.status = {
    '2xx': Number(row.status_2xx),
    '3xx': Number(row.status_3xx),
    '4xx': Number(row.status_4xx),
    '5xx': Number(row.status_5xx),
  };
  t.errors = Number(row.errors);
  t.latencySumUs = Number(row.latency_sum_us);
  t.latencyMaxUs = Number(row.latency_max_us);
  t.latency = LATENCY_COLUMNS.map((column) => Number(row[column]));
  return t;
}

export const apigwRecordsMigrations: MigrationSet = {
  '2026121321_apigw_call_records': {
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async up(db: Kysely<any>) {
      const types = columnTypes(dialectOf(db));
      let records = db.schema
        .createTable('apigw_call_records')
        .addColumn('bucket_start', types.bigint, (c) => c.notNull())
        .addColumn('system', types.exactName(64), (c) => c.notNull())
        .addColumn('component', types.exactName(128), (c) => c.notNull())
        .addColumn('app', types.exactName(64), (c) => c.notNull())
        .addColumn('replica', 'varchar(128)', (c) => c.notNull())
        .addColumn('calls', 'integer', (c) => c.notNull())
        .addColumn('status_2xx', 'integer', (c) => c.notNull())
        .addColumn('status_3xx', 'integer', (c) => c.notNull())
        .addColumn('status_4xx', 'integer', (c) => c.notNull())
        .addColumn('status_5xx', 'integer', (c) => c.notNull())
        .addColumn('errors', 'integer', (c) => c.notNull())
        .addColumn('latency_sum_us', types.bigint, (c) => c.notNull())
        .addColumn('latency_max_us', types.bigint, (c) => c.notNull());
      // The histogram as it was when this table was made: 25 buckets.
      for (let i = 0; i < 25; i++) {
        records = records.addColumn(`lat_${String(i).padStart(2, '0')}`, 'integer', (c) => c.notNull());
      }
      await records
        .addPrimaryKeyConstraint('apigw_call_records_pk', [
          'bucket_start',
          'system',
          'component',
          'app',
          'replica',
        ])
        .execute();
      await db.schema
        .createTable('apigw_call_errors')
        .addColumn('id', 'varchar(48)', (c) => c.primaryKey())
        .addColumn('system', types.exactName(64), (c) => c.notNull())
        .addColumn('component', types.exactName(128), (c) => c.notNull())
        .addColumn('app', types.exactName(64), (c) => c.notNull())
        .addColumn('at', types.bigint, (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('code', 'varchar(64)')
        .addColumn('message', 'varchar(500)')
        .addColumn('request_id', 'varchar(128)', (c) => c.notNull())
        .execute();
      // The newest of a component (reading, keeping the last 20), and the oldest (the purge).
      await db.schema
        .createIndex('apigw_call_errors_component')
        .on('apigw_call_errors')
        .columns(['system', 'component', 'at'])
        .execute();
      await db.schema.createIndex('apigw_call_errors_at').on('apigw_call_errors').column('at').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was then
    async down(db: Kysely<any>) {
      await db.schema.dropTable('apigw_call_errors').ifExists().execute();
      await db.schema.dropTable('apigw_call_records').ifExists().execute();
    },
  },
};
