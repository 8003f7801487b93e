// The steps of an API gateway call (call-handler.ts's `CallSteps`) made of the module's parts: the
// declarations' directory finds the component, the call security authenticates the app and the
// user and checks grants and rate limits, the destinations balance over the route table's healthy
// instances, and the call records count every call. The built-in system's components (no destination
// app) are answered by their handlers (builtin-system.ts).
import type { ApigwComponent } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { AppAuth } from './app-auth.ts';
import type { BuiltinHandler } from './builtin-types.ts';
import type { CallComponent, CallSteps } from './call-handler.ts';
import type { CallRecorder } from './call-records.ts';
import type { Destinations } from './destinations.ts';
import type { ComponentDirectory } from './directory.ts';
import type { Grants } from './grants.ts';
import { effectiveTimeoutMs } from './model.ts';
import { type RateLimiter, type RatePeriod, rateBucketKey } from './rate-limits.ts';
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
    async authenticateApp(view) {
      const call = view.call;
      const { app } = await security.appAuth.authenticateApp(
        {
          method: call.method,
          path: call.rawPath,
          query: call.address.query,
          headers: call.headers,
          body: call.body ?? '',
        },
        view.claims,
      );
      return app;
    },

    async lookup(address, method) {
      const found = await deps.directory.lookup({ system: address.system, method, path: address.path });
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
    },

    async authenticateUser(view, app) {
      const user = await security.userAuth.authenticateUser({ claims: view.claims, app, required: false });
      return user?.username;
    },

    async checkPermission(app, component) {
      if (component.permLevel === 'unlimited') return;
      const verdict = await security.grants.check(app, component.system, component.name, now());
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
    },

    async takeRate(app, component) {
      if (component.rateLimit === undefined) return;
      const decision = await security.rateLimits.take(
        rateBucketKey(app, component.system, component.name),
        component.rateLimit,
        now(),
      );
      if (decision.ok) return;
      const retryAfterSeconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
      throw new BerthError(
        'APIGW_RATE_LIMITED',
        `${app} used its ${component.rateLimit.count} calls per ${component.rateLimit.per} of ${component.system}/${component.name}; retry in ${retryAfterSeconds} s`,
        { retryAfterSeconds },
      );
    },

    destinations: deps.destinations,

    builtin: (name) => deps.builtin.get(name),

    record: (done) => deps.recorder.record(done),
  };
}

const NO_VARS: ReadonlyMap<string, string> = new Map();

function toMap(vars: Record<string, string>): ReadonlyMap<string, string> {
  for (const _ in vars) return new Map(Object.entries(vars));
  return NO_VARS;
}
