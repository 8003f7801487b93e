// The API gateway's call security put together: who the calling app is (app-auth.ts, with the
// nonces of signed calls), who the user is (user-auth.ts), whether the app may call the component
// (grants.ts) and how fast (rate-limits.ts), and the routes of grants and trusted apps. berthd gives
// it the apps' and identity's functions it needs; the gateway's call handler uses the parts.
import type { AuditRecorder } from '../apps/index.ts';
import type { RouteModule } from '../http/server.ts';
import type { Actor } from '../identity/actor.ts';
import type { UserSummary } from '../identity/user-records.ts';
import type { Store } from '../store/store.ts';
import { type AppAuth, createAppAuth } from './app-auth.ts';
import { grantRoutes } from './grant-routes.ts';
import { createGrants, type Grants } from './grants.ts';
import { createNonces, NONCE_PURGE_BATCH, type Nonces } from './nonces.ts';
import { createRateLimiter, type RateLimiter } from './rate-limits.ts';
import { createUserAuth, type UserAuth } from './user-auth.ts';

/** The scheduled work that purges expired nonces and idle rate-limit buckets, and its period. */
export const APIGW_PURGE_SCHEDULE = 'apigw.security-purge';
export const APIGW_PURGE_EVERY_MS = 60_000;
/** Nonce batches one purge deletes at most (the next period goes on). */
const MAX_PURGE_ROUNDS = 100;

export interface ApigwSecurityDeps {
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
  /** apps.access.can(actor, 'app.update', app): a developer member builds the app. */
  isBuilder(actor: Actor, app: string): Promise<boolean>;
  readableCodes(actor: Actor): Promise<string[] | 'all'>;
  appExists(code: string): Promise<boolean>;
  now?: () => number;
}

export interface ApigwSecurity {
  nonces: Nonces;
  appAuth: AppAuth;
  userAuth: UserAuth;
  grants: Grants;
  rateLimits: RateLimiter;
  routes: RouteModule;
  /** Expired nonces and idle buckets go (APIGW_PURGE_SCHEDULE). */
  purge(): Promise<void>;
  /** The app is gone: its grants and trust go. */
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
    now,
  });
  const rateLimits = createRateLimiter({ store });
  return {
    nonces,
    grants,
    rateLimits,
    appAuth: createAppAuth({ openSecret: deps.openSecret, nonces, now }),
    userAuth: createUserAuth({
      verifyUserToken: deps.verifyUserToken,
      lookupUser: deps.lookupUser,
      isTrusted: (app, at) => grants.isTrusted(app, at),
      now,
    }),
    routes: grantRoutes({ grants }),
    async purge() {
      const at = now();
      // Bounded batches, until one finds less than a batch (or enough rounds went).
      for (let round = 0; round < MAX_PURGE_ROUNDS; round++) {
        if ((await nonces.purge(at)) < NONCE_PURGE_BATCH) break;
      }
      await rateLimits.purge(at);
    },
    forget: (app) => grants.forget(app),
    async forgetMissingApps(live) {
      const db = store.db;
      const codes = new Set(
        [
          ...(await db.selectFrom('apigw_grants').select('app_code').distinct().execute()),
          ...(await db.selectFrom('apigw_trusted_apps').select('app_code').execute()),
        ].map((r) => r.app_code),
      );
      for (const code of codes) if (!live.has(code)) await grants.forget(code);
    },
  };
}
