// The API's rules the console checks before asking, what the console reads from an app's environment summaries (`release`: the current version,
// absent before the first deploy) and the app list's search query (`q`: a substring of the code or
// name, searched by the server).
import type { App, AppEnvSummary, AppListQuery, EnvName, PageQuery } from '@berth/sdk';

export function envSummary(app: App, env: EnvName): AppEnvSummary | undefined {
  return app.envs.find((e) => e.name === env);
}

/** The API's rule for app codes (APP_CODE_PATTERN of @berth/sdk, which the console may not import at run time). */
export const APP_CODE_RULE = /^[a-z][a-z0-9_-]{1,29}$/;

/** Longest app name and description the API takes (AppNameSchema, AppDescriptionSchema of @berth/sdk). */
export const APP_NAME_MAX = 64;
export const APP_DESCRIPTION_MAX = 2000;

/** Longest search text the API takes (APP_SEARCH_MAX_LENGTH, which the console may not import at run time). */
export const APP_SEARCH_MAX = 100;

/** The query for a search text: blank text searches nothing (the API refuses an empty `q`). */
export function appSearchQuery(text: string, page: PageQuery): AppListQuery {
  const q = text.trim().slice(0, APP_SEARCH_MAX);
  return q === '' ? { ...page } : { ...page, q };
}
