// The steps of an API gateway call (call-handler.ts's `CallSteps`) made of the module's parts: the
// declarations' directory finds the component, the call security authenticates the app and the
// user and checks grants and rate limits, the destinations balance over the route table's healthy
// instances, and the call records count every call. The built-in system's components (no destination
// app) are answered by their handlers (builtin-system.ts).
import type { ApigwComponent } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { AppAuth, AuthenticatedApp } from './app-auth.ts';
import type { BuiltinHandler } from './builtin-types.ts';
import type { CallComponent, CallSteps } from './call-handler.ts';
import type { CallRecorder } from './call-records.ts';
import type { Destinations } from './destinations.ts';
import type { ComponentDirectory } from './directory.ts';
import type { GrantCheck } from './grant-cache.ts';
import type { Grants } from './grants.ts';
import { effectiveTimeoutMs } from './model.ts';
import {
  type RateDecision,
  type RateLimit,
  type RateLimiter,
  type RatePeriod,
  rateBucketKey,
} from './rate-limits.ts';
import type { UserAuth } from './user-auth.ts';

const PERIODS: Record<NonNullable<ApigwComponent['rateLimit']>['per'], RatePeriod> = {
  s: 'second',
  min: 'minute',
  h: 'hour',
  d: 'day',
};

/** The parts of the call security a call's steps use (berthd's ApigwSecurity, or a gateway
 *  worker's, made of copies and calls to berthd: worker-policy.ts). */
export interface CallSecurity {
  appAuth: Pick<AppAuth, 'authenticateApp'>;
  userAuth: UserAuth;
  grants: Pick<Grants, 'check'>;
  rateLimits: Pick<RateLimiter, 'take'>;
}

export function createCallSteps(deps: {
  directory: Pick<ComponentDirectory, 'lookup'>;
  security: CallSecurity;
  destinations: Destinations;
  recorder: Pick<CallRecorder, 'record'>;
  /** The built-in components' handlers, by name (createBuiltinHandlers). */
  builtin: Pick<ReadonlyMap<string, BuiltinHandler>, 'get'>;
  now?: () => number;
}): CallSteps {
  const now = deps.now ?? Date.now;
  const { security } = deps;
  // The handler's view of each declared component, made once per component object: the directory
  // hands out the same objects until it reads the declarations again (then new ones, new views).
  const views = new WeakMap<ApigwComponent, CallComponent>();
  return {
    authenticateApp(view) {
      const call = view.call;
      const authenticated = security.appAuth.authenticateApp(
        {
          method: call.method,
          path: call.rawPath,
          query: call.address.query,
          headers: call.headers,
          body: call.body ?? '',
        },
        view.claims,
      );
      return authenticated instanceof Promise ? authenticated.then(appOf) : authenticated.app;
    },

    lookup(address, method) {
      const found = deps.directory.lookup({ system: address.system, method, path: address.path });
      return found instanceof Promise ? found.then(viewOf) : viewOf(found);
    },

    authenticateUser(view, app) {
      // A call that names no user needs nothing more (the common case: no promise).
      if (view.claims.userToken === undefined && view.claims.username === undefined) return undefined;
      return security.userAuth
        .authenticateUser({ claims: view.claims, app, required: false })
        .then((user) => user?.username);
    },

    checkPermission(app, component) {
      if (component.permLevel === 'unlimited') return;
      const verdict = security.grants.check(app, component.system, component.name, now());
      if (verdict instanceof Promise) return verdict.then((v) => permitted(app, component, v));
      permitted(app, component, verdict);
    },

    takeRate(app, component) {
      const limit = component.rateLimit;
      if (limit === undefined) return;
      const at = now();
      const decision = security.rateLimits.take(
        rateBucketKey(app, component.system, component.name),
        limit,
        at,
      );
      if (decision instanceof Promise) return decision.then((d) => admitted(app, component, limit, d));
      admitted(app, component, limit, decision);
    },

    destinations: deps.destinations,

    builtin: (name) => deps.builtin.get(name),

    record: (done) => deps.recorder.record(done),
  };

  function viewOf(
    found: Awaited<ReturnType<ComponentDirectory['lookup']>>,
  ): { component: CallComponent; vars: ReadonlyMap<string, string> } | undefined {
    if (found === undefined) return undefined;
    const { system, component } = found;
    let view = views.get(component);
    if (view === undefined) {
      view = {
        system: component.system,
        name: component.name,
        target:
          component.dest === undefined
            ? { kind: 'builtin' }
            : {
                kind: 'app',
                app: component.dest.app,
                env: component.dest.env,
                path: component.dest.path,
                method: component.destHttpMethod,
              },
        permLevel: component.permLevel,
        timeoutMs: effectiveTimeoutMs(system, component),
        rateLimit:
          component.rateLimit === undefined
            ? undefined
            : { count: component.rateLimit.calls, per: PERIODS[component.rateLimit.per] },
      };
      views.set(component, view);
    }
    return { component: view, vars: toMap(found.vars) };
  }
}

function appOf(authenticated: AuthenticatedApp): string {
  return authenticated.app;
}

/** Throws APIGW_PERMISSION_EXPIRED or APIGW_PERMISSION_DENIED unless the grants' verdict is ok. */
function permitted(app: string, component: CallComponent, verdict: GrantCheck): void {
  if (verdict === 'ok') return;
  if ('expired' in verdict) {
    throw new BerthError(
      'APIGW_PERMISSION_EXPIRED',
      `${app}'s permission to call ${component.system}/${component.name} expired`,
      { expiredAt: verdict.expired },
    );
  }
  throw new BerthError(
    'APIGW_PERMISSION_DENIED',
    `${app} has no permission to call ${component.system}/${component.name}`,
  );
}

/** Throws APIGW_RATE_LIMITED (details.retryAfterSeconds) unless the limiter let the call through. */
function admitted(app: string, component: CallComponent, limit: RateLimit, decision: RateDecision): void {
  if (decision.ok) return;
  const retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
  throw new BerthError(
    'APIGW_RATE_LIMITED',
    `${app} used its ${limit.count} calls per ${limit.per} of ${component.system}/${component.name}; retry in ${retryAfterSeconds} s`,
    { retryAfterSeconds },
  );
}

const NO_VARS: ReadonlyMap<string, string> = new Map();

function toMap(vars: Record<string, string>): ReadonlyMap<string, string> {
  for (const _ in vars) return new Map(Object.entries(vars));
  return NO_VARS;
}
