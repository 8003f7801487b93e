// The apps module's services, put together from their dependencies.
import { MAX_INSTANCES_PER_APP_DEFAULT } from '@berth/sdk';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { type AppAccess, createAppGuard } from './access.ts';
import { type AppService, createAppService } from './app-service.ts';
import { type ConfigService, createConfigService, type OnConfigChanged } from './config-service.ts';
import type { AuditRecorder, CurrentReleases, LookupUser, UsersByIds } from './deps.ts';
import { createLimitsService, type LimitsService } from './limits-service.ts';
import { createMembersService, type MembersService } from './members-service.ts';
import { createSecretService, type OnSecretRotated, type SecretService } from './secret-service.ts';
import { createAppViews } from './views.ts';

export interface Apps extends AppService, MembersService, SecretService, ConfigService, LimitsService {
  /** May this actor read / change this app? (for the jobs module and the deploy engine) */
  readonly access: AppAccess;
  /** Every app's code (for the platform: which apps still exist after a restart). */
  allCodes(): Promise<Set<string>>;
}

export interface AppsDeps {
  store: Store;
  audit: AuditRecorder;
  secretBox: SecretBox;
  logger: Logger;
  lookupUser: LookupUser;
  usersByIds: UsersByIds;
  /** The apps origin's public URL (BERTH_APPS_URL, read when needed: its port may be known only once
   *  berthd listens); when given, environment summaries carry the URL they are served at. */
  appsUrl?: () => string;
  /** The deploy engine's current releases: environment summaries then carry their version. */
  currentReleases?: CurrentReleases;
  /** Called in a config change's transaction (the deploy engine redeploys the environment). */
  onConfigChanged?: OnConfigChanged;
  /** Called in a secret rotation's transaction (the deploy engine restarts running environments). */
  onSecretRotated?: OnSecretRotated;
  /** Instances an app may run unless an admin set its own ceiling (BERTH_MAX_INSTANCES_PER_APP). */
  maxInstancesPerApp?: number;
  /** Called after an app was deleted (the deploy engine stops it and drops its releases). */
  onAppDeleted?: (code: string) => Promise<unknown>;
  /** Called after an app was created (the deploy engine gives it routes). */
  onAppCreated?: (code: string) => Promise<unknown>;
}

export function createApps(deps: AppsDeps): Apps {
  const guard = createAppGuard({ store: deps.store });
  const views = createAppViews({
    store: deps.store,
    usersByIds: deps.usersByIds,
    ...(deps.appsUrl ? { appsUrl: deps.appsUrl } : {}),
    ...(deps.currentReleases ? { currentReleases: deps.currentReleases } : {}),
  });
  const common = { store: deps.store, audit: deps.audit, guard };
  const access: AppAccess = {
    assertCanRead: guard.assertCanRead,
    assertCanWrite: guard.assertCanWrite,
    readableCodes: guard.readableCodes,
  };
  return {
    access,
    async allCodes() {
      const rows = await deps.store.db.selectFrom('apps').select('code').execute();
      return new Set(rows.map((r) => r.code));
    },
    ...createAppService({
      ...common,
      secretBox: deps.secretBox,
      logger: deps.logger,
      views,
      onAppDeleted: deps.onAppDeleted,
      onAppCreated: deps.onAppCreated,
    }),
    ...createMembersService({ ...common, lookupUser: deps.lookupUser, usersByIds: deps.usersByIds }),
    ...createSecretService({
      ...common,
      secretBox: deps.secretBox,
      onSecretRotated: deps.onSecretRotated,
    }),
    ...createConfigService({
      ...common,
      secretBox: deps.secretBox,
      views,
      onConfigChanged: deps.onConfigChanged,
    }),
    ...createLimitsService({
      ...common,
      maxInstancesPerApp: deps.maxInstancesPerApp ?? MAX_INSTANCES_PER_APP_DEFAULT,
    }),
  };
}
