// Every replica's in-memory copy of the grants and trusted apps, so a gateway call asks no store.
// Every change raises the `access` counter row in its own transaction (bumpAccessVersion); a copy
// older than RECHECK_MS reads that one row before it answers, and loads everything again when it
// moved. So a replica answers with a copy at most RECHECK_MS older than another replica's change
// (plus that one row's read); on the replica that made it, at once (`invalidate`).
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Awaitable } from './awaitable.ts';
import { ACCESS_VERSION } from './security-tables.ts';

/** How stale a replica's copy may get before it asks the counter again. */
export const RECHECK_MS = 1000;

/** What a grant check answers: allowed, no grant, or grants that all ran out (the latest at `expired`). */
export type GrantCheck = 'ok' | { denied: true } | { expired: number };

export interface GrantCache {
  /** The verdict (no promise when the copy is fresh: on every call). */
  check(app: string, system: string, component: string, now: number): Awaitable<GrantCheck>;
  isTrusted(app: string, now: number): Promise<boolean>;
  /** The next question loads the copy again (after a change made here). */
  invalidate(): void;
}

/** Every grant and trusted app, as plain data (what travels to a gateway worker). */
export interface AccessRows {
  /** [app, system, component ('' for the whole system), expiry (epoch ms) or null]. */
  grants: Array<[string, string, string, number | null]>;
  trusted: string[];
}

/** Where a cache reads the grants: the store (`storeAccess`), or, in a gateway worker, berthd. */
export interface AccessSource {
  /** The `access` counter: moves with every change of grants or trusted apps. */
  version(): Promise<number>;
  rows(): Promise<AccessRows>;
}

export function storeAccess(db: Kysely<Database>): AccessSource {
  return {
    version: () => readVersion(db),
    async rows() {
      const grants = await db
        .selectFrom('apigw_grants')
        .select(['app_code', 'system_name', 'component_name', 'expires_at'])
        .execute();
      const trusted = await db.selectFrom('apigw_trusted_apps').select('app_code').execute();
      return {
        grants: grants.map((g) => [
          g.app_code,
          g.system_name,
          g.component_name,
          g.expires_at === null ? null : Number(g.expires_at),
        ]),
        trusted: trusted.map((t) => t.app_code),
      };
    },
  };
}

interface Copy {
  version: number;
  /** `${app}\n${system}\n${component}` ('' component: the whole system) to expiry (null: none). */
  grants: Map<string, number | null>;
  trusted: Set<string>;
}

const keyOf = (app: string, system: string, component: string) => `${app}\n${system}\n${component}`;

/** Raises the counter in the change's transaction. */
export async function bumpAccessVersion(trx: Kysely<Database>): Promise<void> {
  await trx
    .updateTable('apigw_security_versions')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('name', '=', ACCESS_VERSION)
    .execute();
}

async function readVersion(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('apigw_security_versions')
    .select('version')
    .where('name', '=', ACCESS_VERSION)
    .executeTakeFirstOrThrow();
  return Number(row.version);
}

export function createGrantCache(deps: { source: AccessSource }): GrantCache {
  const { source } = deps;
  let copy: Copy | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  /** Raised by `invalidate`: a refresh that began before it does not count as a check. */
  let generation = 0;
  let refreshing: { generation: number; copy: Promise<Copy> } | undefined;

  async function load(version: number): Promise<Copy> {
    const rows = await source.rows();
    return {
      version,
      grants: new Map(
        rows.grants.map(([app, system, component, expiry]) => [keyOf(app, system, component), expiry]),
      ),
      trusted: new Set(rows.trusted),
    };
  }

  /** The copy when it is fresh (no promise: this is on every call), else a promise of a fresh one. */
  function current(now: number): Copy | Promise<Copy> {
    if (copy && now - checkedAt < RECHECK_MS) return copy;
    return refreshed(now);
  }

  async function refreshed(now: number): Promise<Copy> {
    if (refreshing?.generation === generation) return refreshing.copy;
    const began = generation;
    const refresh = (async () => {
      // The version is read before the rows: a change committed in between is loaded again later.
      const version = await source.version();
      const fresh = copy && copy.version === version ? copy : await load(version);
      // Versions only grow: a slower, older refresh does not replace a newer copy.
      if (!copy || fresh.version >= copy.version) copy = fresh;
      if (began === generation) checkedAt = now;
      return copy;
    })();
    refreshing = { generation: began, copy: refresh };
    try {
      return await refresh;
    } finally {
      if (refreshing?.copy === refresh) refreshing = undefined;
    }
  }

  return {
    check(app, system, component, now) {
      const c = current(now);
      return c instanceof Promise
        ? c.then((fresh) => verdict(fresh, app, system, component, now))
        : verdict(c, app, system, component, now);
    },

    async isTrusted(app, now) {
      return (await current(now)).trusted.has(app);
    },

    invalidate() {
      generation++;
      checkedAt = Number.NEGATIVE_INFINITY;
    },
  };
}

/** The component's grant, then the whole system's. */
function verdict(copy: Copy, app: string, system: string, component: string, now: number): GrantCheck {
  const { grants } = copy;
  const own = grants.get(keyOf(app, system, component));
  if (own === null || (own !== undefined && own > now)) return 'ok';
  const whole = grants.get(keyOf(app, system, ''));
  if (whole === null || (whole !== undefined && whole > now)) return 'ok';
  if (own === undefined && whole === undefined) return { denied: true };
  return { expired: Math.max(own ?? Number.NEGATIVE_INFINITY, whole ?? Number.NEGATIVE_INFINITY) };
}
