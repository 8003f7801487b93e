// What every tab of an app's detail page gets from the page.
import type { App, EnvName } from '@berth/sdk';

export interface AppTabProps {
  app: App;
  /** The environment the page shows (from the address: /apps/{code}/{env}/{tab}). */
  env: EnvName;
  /** Reloads the app (after a change to its name, members, secret …). */
  reloadApp(): void;
  /**
   * Opens a deploy's live progress and log (the deploys tab); every action that starts a deploy
   * (rollback, promote, scale, restart, stop/start, config change) calls it with the deploy's id.
   */
  showDeploy(deployId: string): void;
}
