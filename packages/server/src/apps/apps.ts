// The apps module's services, put together from their dependencies.
import { type App, type AppEnvSummary, MAX_INSTANCES_PER_APP_DEFAULT } from '@berth/sdk';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { Actor } from '../identity/actor.ts';
import type { Logger } from '../logger.ts';
import type { Store } from '../store/store.ts';
import { createAppGuard } from './access.ts';
import { type AppService, createAppService } from './app-service.ts';
import { type ConfigService, createConfigService, type OnConfigChanged } from './config-service.ts';
import type { AuditRecorder, CurrentReleases, LookupUser, UsersByIds } from './deps.ts';
import { createLimitsService, type LimitsService } from './limits-service.ts';
import { createMembersService, type MembersService } from './members-service.ts';
import { type AppFor, createPermissions, type Permissions } from './permissions.ts';
import { createPlacementService, type PlacementService } from './placement-service.ts';
import { createSecretService, type OnSecretRotated, type SecretService } from './secret-service.ts';
import { createAppViews } from './views.ts';

/** What other modules may ask about apps: may this actor do this action with this app? */
export interface AppAccess
  extends Pick<Permissions, 'authorize' | 'can' | 'namedApproverOf' | 'approvalNeeded'> {
  /** The app codes this actor may read, or 'all' for admins, operators and auditors. */
  readableCodes(actor: Actor): Promise<string[] | 'all'>;
}

export interface Apps
  extends AppService,
    MembersService,
    SecretService,
    ConfigService,
    LimitsService,
    PlacementService {
  /** Who may do what with an app (for the jobs module, the deploy engine, notifications). */
  readonly access: AppAccess;
  /** Environment policies and the caller's permissions (the permissions routes). */
  readonly permissions: Permissions;
  /** Every app's code (for the platform: which apps still exist after a restart). */
  allCodes(): Promise<Set<string>>;
  /** An app's code, name, description and environment summaries (URL, current release), without an
   *  actor: for the API gateway's built-in app info, whose grant is the permission. No secret, config
   *  or member is in it. Undefined when there is no such app. */
  describeApp(code: string): Promise<
    | (Pick<App, 'code' | 'name' | 'description'> & {
        envs: Array<Pick<AppEnvSummary, 'name' | 'url' | 'release'>>;
      })
    | undefined
  >;
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
  /** Whether prod needs approval where an app's prod policy was never set (BERTH_PROD_APPROVAL;
   *  default true). */
  prodApproval?: boolean;
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
  const permissions = createPermissions({
    store: deps.store,
    guard,
    audit: deps.audit,
    lookupUser: deps.lookupUser,
    defaultApproval: { stag: false, prod: deps.prodApproval ?? true },
  });
  const appFor: AppFor = async (actor, action, code, env) =>
    (await permissions.authorize(actor, action, code, env)).app;
  const common = { store: deps.store, audit: deps.audit, appFor };
  const access: AppAccess = {
    authorize: permissions.authorize,
    can: permissions.can,
    namedApproverOf: permissions.namedApproverOf,
    approvalNeeded: permissions.approvalNeeded,
    readableCodes: guard.readableCodes,
  };
  return {
    access,
    permissions,
    async allCodes() {
      const rows = await deps.store.db.selectFrom('apps').select('code').execute();
      return new Set(rows.map((r) => r.code));
    },
    async describeApp(code) {
      const row = await deps.store.db
        .selectFrom('apps')
        .selectAll()
        .where('code', '=', code)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const envs = (await views.envSummaries(row)).map((e) => ({
        name: e.name,
        ...(e.url === undefined ? {} : { url: e.url }),
        ...(e.release === undefined ? {} : { release: e.release }),
      }));
      return { code: row.code, name: row.name, description: row.description, envs };
    },
    ...createAppService({
      ...common,
      guard,
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
    ...createPlacementService({ store: deps.store }),
  };
}
