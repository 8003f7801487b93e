// The API gateway's call security put together: who the calling app is (app-auth.ts, with the
// nonces of signed calls), who the user is (user-auth.ts), whether the app may call the component
// (grants.ts) and how fast (rate-limits.ts), the permission requests that ask for grants
// (permission-requests.ts), and the routes of grants, trusted apps and requests. berthd gives
// it the apps' and identity's functions it needs; the gateway's call handler uses the parts.
import type { ApigwComponent } from '@berth/sdk';
import type { AuditRecorder } from '../apps/index.ts';
import type { RouteModule } from '../http/server.ts';
import type { UserSummary } from '../identity/user-records.ts';
import type { Store } from '../store/store.ts';
import { type AppAuth, createAppAuth } from './app-auth.ts';
import { grantRoutes } from './grant-routes.ts';
import { createGrants, type Grants } from './grants.ts';
import { createNonces, NONCE_PURGE_BATCH, type Nonces } from './nonces.ts';
import { permissionRequestRoutes } from './permission-request-routes.ts';
import {
  createPermissionRequests,
  type PermissionRequests,
  type PermissionRequestsDeps,
} from './permission-requests.ts';
import { createRateLimiter, type RateLimiter } from './rate-limits.ts';
import { createUserAuth, type UserAuth } from './user-auth.ts';

/** The scheduled work that purges expired nonces and idle rate-limit buckets, and its period. */
export const APIGW_PURGE_SCHEDULE = 'apigw.security-purge';
export const APIGW_PURGE_EVERY_MS = 60_000;
/** Nonce batches one purge deletes at most (the next period goes on). */
const MAX_PURGE_ROUNDS = 100;

/** isBuilder (apps.access.can(actor, 'app.update', app)), readableCodes and appExists serve grants
 *  and requests; notify and consoleUrl the requests' notifications. */
export interface ApigwSecurityDeps
  extends Pick<
    PermissionRequestsDeps,
    'isBuilder' | 'readableCodes' | 'appExists' | 'notify' | 'consoleUrl'
  > {
  store: Store;
  audit: AuditRecorder;
  /** apps.secretForVerification */
  openSecret(code: string): Promise<string | undefined>;
  /** identity.gatewayUserTokens.verify */
  verifyUserToken(token: string, app: string): Promise<{ id: string; username: string } | undefined>;
  /** identity.lookupUser */
  lookupUser(username: string): Promise<UserSummary | null>;
  /** The system's owner app from its declaration (the declarations' part wires it); by default
   *  no system has one, so only admins and operators manage grants. */
  ownerOf?: (system: string) => Promise<string | undefined>;
  /** The declared system's components by name (the directory's); by default no system is declared,
   *  so no permission can be requested. */
  components?: (system: string) => Promise<ReadonlyMap<string, ApigwComponent> | undefined>;
  /** The declared systems these apps own (the directory's); by default none. */
  systemsOwnedBy?: (apps: ReadonlySet<string>) => Promise<string[]>;
  /** Told after grants or trusted apps changed through this process (gateway workers' copies). */
  changed?: () => void;
  now?: () => number;
}

export interface ApigwSecurity {
  nonces: Nonces;
  appAuth: AppAuth;
  userAuth: UserAuth;
  grants: Grants;
  requests: PermissionRequests;
  rateLimits: RateLimiter;
  routes: RouteModule;
  /** Expired nonces and idle buckets go (APIGW_PURGE_SCHEDULE). */
  purge(): Promise<void>;
  /** The app is gone: its grants, trust and permission requests go. */
  forget(app: string): Promise<void>;
  /** Grants and trust of apps deleted while berthd was down go (at start). */
  forgetMissingApps(live: Set<string>): Promise<void>;
}

/** No system has an owner until the declarations say otherwise. */
const noOwner = async (): Promise<string | undefined> => undefined;

export function createApigwSecurity(deps: ApigwSecurityDeps): ApigwSecurity {
  const now = deps.now ?? Date.now;
  const { store } = deps;
  const nonces = createNonces({ store });
  const grants = createGrants({
    store,
    audit: deps.audit,
    ownerOf: deps.ownerOf ?? noOwner,
    isBuilder: deps.isBuilder,
    readableCodes: deps.readableCodes,
    appExists: deps.appExists,
    ...(deps.changed ? { changed: deps.changed } : {}),
    now,
  });
  const rateLimits = createRateLimiter({ store });
  const requests = createPermissionRequests({
    store,
    audit: deps.audit,
    grants,
    components: deps.components ?? (async () => undefined),
    ownerOf: deps.ownerOf ?? noOwner,
    systemsOwnedBy: deps.systemsOwnedBy ?? (async () => []),
    isBuilder: deps.isBuilder,
    readableCodes: deps.readableCodes,
    appExists: deps.appExists,
    ...(deps.notify ? { notify: deps.notify } : {}),
    ...(deps.consoleUrl ? { consoleUrl: deps.consoleUrl } : {}),
    now,
  });
  const routes: RouteModule = async (app) => {
    await grantRoutes({ grants })(app);
    await permissionRequestRoutes({ requests })(app);
  };
  return {
    nonces,
    grants,
    requests,
    rateLimits,
    appAuth: createAppAuth({ openSecret: deps.openSecret, nonces, now }),
    userAuth: createUserAuth({
      verifyUserToken: deps.verifyUserToken,
      lookupUser: deps.lookupUser,
      isTrusted: (app, at) => grants.isTrusted(app, at),
      now,
    }),
    routes,
    async purge() {
      const at = now();
      // Bounded batches, until one finds less than a batch (or enough rounds went).
      for (let round = 0; round < MAX_PURGE_ROUNDS; round++) {
        if ((await nonces.purge(at)) < NONCE_PURGE_BATCH) break;
      }
      await rateLimits.purge(at);
    },
    async forget(app) {
      await grants.forget(app);
      await requests.forget(app);
    },
    async forgetMissingApps(live) {
      const db = store.db;
      const codes = new Set(
        [
          ...(await db.selectFrom('apigw_grants').select('app_code').distinct().execute()),
          ...(await db.selectFrom('apigw_trusted_apps').select('app_code').execute()),
          ...(await db.selectFrom('apigw_permission_requests').select('app_code').distinct().execute()),
        ].map((r) => r.app_code),
      );
      for (const code of codes) {
        if (!live.has(code)) {
          await grants.forget(code);
          await requests.forget(code);
        }
      }
    },
  };
}
