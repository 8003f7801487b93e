// Who reads which API gateway call records: admins, operators and auditors every row; a developer
// the rows whose calling app they are a member of (the apps module's membership), nothing else. The
// window (`15m`, `1h`, `24h`, `7d`; default `1h`) may not reach past what is kept.
import type { ApigwRecordsQuery, ApigwRecordsResponse } from '@berth/sdk';
import { durationMs } from '../config.ts';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import { type CallStatsReader, windowStart } from './call-stats.ts';

export const DEFAULT_RECORDS_WINDOW = '1h';

export interface RecordsServiceDeps {
  reader: CallStatsReader;
  /** The app codes the actor may read, or 'all' (apps/access.ts). */
  readableCodes(actor: Actor): Promise<string[] | 'all'>;
  /** BERTH_APIGW_RECORDS_RETENTION: the longest window. */
  retentionMs: number;
  now: () => number;
}

export interface RecordsService {
  list(actor: Actor, query: ApigwRecordsQuery): Promise<ApigwRecordsResponse>;
}

export function createRecordsService(deps: RecordsServiceDeps): RecordsService {
  return {
    async list(actor, query) {
      const window = query.window ?? DEFAULT_RECORDS_WINDOW;
      const sinceMs = durationMs(window);
      if (sinceMs === undefined || sinceMs <= 0) {
        throw new BerthError(
          'VALIDATION_FAILED',
          `window ${JSON.stringify(window)} is not like 15m, 1h, 24h, 7d`,
        );
      }
      if (sinceMs > deps.retentionMs) {
        throw new BerthError(
          'VALIDATION_FAILED',
          `window ${window} reaches past what is kept (BERTH_APIGW_RECORDS_RETENTION, ${Math.floor(deps.retentionMs / 60_000)} minutes)`,
          { window, retentionMs: deps.retentionMs },
        );
      }
      const readable = await deps.readableCodes(actor);
      const now = deps.now();
      const items = await deps.reader.stats({
        system: query.system,
        component: query.component,
        app: query.app,
        apps: readable === 'all' ? undefined : readable,
        sinceMs,
        now,
      });
      return { items, since: windowStart(sinceMs, now) };
    },
  };
}
