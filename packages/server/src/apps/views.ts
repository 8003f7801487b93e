// Turns app rows into the wire shape: member usernames (via identity) and per-environment summaries.
import { type App, type AppEnvSummary, ENV_NAMES, type EnvName, envPathPrefix } from '@berth/sdk';
import type { Store } from '../store/store.ts';
import type { CurrentReleases, UsersByIds } from './deps.ts';
import { placementOf } from './placement-service.ts';
import type { AppRow } from './tables.ts';

export interface AppViews {
  toApps(rows: AppRow[]): Promise<App[]>;
  envSummaries(app: AppRow): Promise<AppEnvSummary[]>;
}

const IDS_PER_QUERY = 500;

/** Sorts by UTF-16 code units, the same on every dialect (database collations differ). */
export function byKey<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}

/** Runs a query per slice of ids, so `in (...)` lists stay within every dialect's parameter limit. */
async function inChunks<T>(ids: string[], query: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const result: T[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
    result.push(...(await query(ids.slice(i, i + IDS_PER_QUERY))));
  }
  return result;
}

export function createAppViews(deps: {
  store: Store;
  usersByIds: UsersByIds;
  appsUrl?: () => string;
  /** When given, environment summaries carry their current release's version. */
  currentReleases?: CurrentReleases;
}): AppViews {
  const { db } = deps.store;

  function envUrl(code: string, env: EnvName): string | undefined {
    if (!deps.appsUrl) return undefined;
    return `${deps.appsUrl().replace(/\/$/, '')}${envPathPrefix(code, env)}/`;
  }

  async function summaries(rows: AppRow[]): Promise<Map<string, AppEnvSummary[]>> {
    const result = new Map<string, AppEnvSummary[]>();
    if (rows.length === 0) return result;
    const ids = rows.map((r) => r.id);
    const codes = rows.map((r) => r.code);
    const [envs, counts, releases] = await Promise.all([
      inChunks(ids, (chunk) =>
        db.selectFrom('app_envs').select(['app_id', 'name']).where('app_id', 'in', chunk).execute(),
      ),
      inChunks(ids, (chunk) =>
        db
          .selectFrom('app_config_vars')
          .select(['app_id', 'env', (eb) => eb.fn.countAll().as('n')])
          .where('app_id', 'in', chunk)
          .groupBy(['app_id', 'env'])
          .execute(),
      ),
      deps.currentReleases ? inChunks(codes, (chunk) => deps.currentReleases!(chunk)) : [],
    ]);
    const countOf = new Map(counts.map((c) => [`${c.app_id}/${c.env}`, Number(c.n)]));
    const releaseOf = new Map(releases.map((r) => [`${r.app}/${r.env}`, r.version]));
    const codeOf = new Map(rows.map((r) => [r.id, r.code]));
    for (const env of envs) {
      const name = env.name as EnvName;
      const code = codeOf.get(env.app_id)!;
      const summary: AppEnvSummary = { name, varCount: countOf.get(`${env.app_id}/${name}`) ?? 0 };
      const url = envUrl(code, name);
      if (url) summary.url = url;
      const release = releaseOf.get(`${code}/${name}`);
      if (release !== undefined) summary.release = release;
      const list = result.get(env.app_id) ?? [];
      list.push(summary);
      result.set(env.app_id, list);
    }
    for (const list of result.values()) {
      list.sort((a, b) => ENV_NAMES.indexOf(a.name) - ENV_NAMES.indexOf(b.name));
    }
    return result;
  }

  async function memberNames(rows: AppRow[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>();
    if (rows.length === 0) return result;
    const ids = rows.map((r) => r.id);
    const members = await inChunks(ids, (chunk) =>
      db.selectFrom('app_members').select(['app_id', 'user_id']).where('app_id', 'in', chunk).execute(),
    );
    const userIds = [...new Set(members.map((m) => m.user_id))];
    const users = userIds.length ? await deps.usersByIds(userIds) : [];
    const nameOf = new Map(users.map((u) => [u.id, u.username]));
    for (const m of members) {
      const username = nameOf.get(m.user_id);
      if (username === undefined) continue; // the user was deleted
      const list = result.get(m.app_id) ?? [];
      list.push(username);
      result.set(m.app_id, list);
    }
    for (const list of result.values()) list.sort(byKey((s) => s));
    return result;
  }

  return {
    async toApps(rows) {
      const [envs, members] = await Promise.all([summaries(rows), memberNames(rows)]);
      return rows.map((row) => {
        const app: App = {
          code: row.code,
          name: row.name,
          description: row.description,
          createdBy: row.created_by,
          createdAt: Number(row.created_at),
          updatedAt: Number(row.updated_at),
          members: members.get(row.id) ?? [],
          envs: envs.get(row.id) ?? [],
          placement: placementOf(row),
        };
        if (row.logo_url !== null) app.logoUrl = row.logo_url;
        return app;
      });
    },
    async envSummaries(app) {
      return (await summaries([app])).get(app.id) ?? [];
    },
  };
}
