// The addresses of an app's pages (`/apps/:code/:env/:tab`, and `?deploy=ID` on the deploys tab to
// open one deploy), written once for every link, redirect and navigation to them.
import type { EnvName } from '@berth/sdk';

export const APP_TABS = [
  'overview',
  'deploys',
  'releases',
  'logs',
  'traffic',
  'config',
  'source',
  'members',
  'settings',
] as const;
export type AppTabName = (typeof APP_TABS)[number];

/** An app's tab in one environment (stag's overview unless told). */
export function appPath(code: string, env: EnvName = 'stag', tab: AppTabName = 'overview'): string {
  return `/apps/${encodeURIComponent(code)}/${env}/${tab}`;
}

/** The deploys tab of `env` with deploy `deployId` open. */
export function deployPath(code: string, env: EnvName, deployId: string): string {
  return `${appPath(code, env, 'deploys')}?deploy=${encodeURIComponent(deployId)}`;
}
