// What the console reads from an app's environment summaries. `release` (the current version) is
// added to the summaries by the server alongside the console; until the sdk's type has it, it is
// read here as optional, and an older berthd without it shows the release as unknown.
import type { App, AppEnvSummary, EnvName, PageQuery } from '@berth/sdk';

export type EnvSummary = AppEnvSummary & { release?: number };

export function envSummary(app: App, env: EnvName): EnvSummary | undefined {
  return app.envs.find((e) => e.name === env) as EnvSummary | undefined;
}

/** The app list's query: a page plus `q`, a substring of the code or name (server-side search). */
export interface AppSearchQuery extends PageQuery {
  q?: string;
}

/** Longest search text the API takes. */
export const APP_SEARCH_MAX = 100;

/** The query for a search text: blank text searches nothing (the API refuses an empty `q`). */
export function appSearchQuery(text: string, page: PageQuery): AppSearchQuery {
  const q = text.trim().slice(0, APP_SEARCH_MAX);
  return q === '' ? { ...page } : { ...page, q };
}
