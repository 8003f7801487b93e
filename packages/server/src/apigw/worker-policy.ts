// The API gateway's route policy as a gateway worker runs it: `/api/c/…` calls served in the worker
// that took the connection, on every core, with the same call handler and steps as in berthd
// (call-handler.ts, call-steps.ts). The worker keeps no store: the steps' parts get what they need
// from berthd over the IPC call channel (worker-services.ts answers):
//   - the declarations and the grants are copies, read again when their version moved (asked at
//     most once a second, as berthd's own copies are) or at once when berthd says they changed;
//   - an app's secret is kept SECRET_CACHE_MS, as berthd keeps it (app-auth.ts);
//   - a signed call's nonce and a user token are asked of berthd on each call that has one;
//   - rate-limit tokens are borrowed from berthd's lease (borrowed-rate-limits.ts) and spent here;
//   - call records are counted here and sent to berthd once a second (record-batches.ts);
//   - the built-in system's components run in berthd (they need its modules), after the checks.
// The destination's instances come from the table this worker serves, balanced and pooled by it.
import type { PolicyHandler, WorkerPolicyContext } from '../gateway/index.ts';
import { type AppAuth, createAppAuth } from './app-auth.ts';
import { createBorrowedRateLimiter } from './borrowed-rate-limits.ts';
import type { BuiltinHandler } from './builtin-types.ts';
import { createCallAnswerer } from './call-http.ts';
import { APIGW_CALL_BODY_LIMIT } from './call-routes.ts';
import { createCallSteps } from './call-steps.ts';
import { createDestinations } from './destinations.ts';
import { createComponentDirectory } from './directory.ts';
import { type AccessRows, createGrantCache } from './grant-cache.ts';
import type { SystemDeclaration } from './model.ts';
import type { RateLoan } from './rate-limits.ts';
import { createRecordBatcher } from './record-batches.ts';
import type { GatewayUser, UserAuth } from './user-auth.ts';
import { WORKER_METHODS as M, WORKER_NOTICES as N, type WorkerBuiltinCall } from './worker-methods.ts';

export function createApigwWorkerPolicy(ctx: WorkerPolicyContext): PolicyHandler {
  const { primary } = ctx;
  const logger = ctx.logger.child({ mod: 'apigw' });
  const directory = createComponentDirectory({
    source: {
      version: async () => (await primary(M.declarationsVersion, [])) as number,
      read: async () => (await primary(M.declarations, [])) as SystemDeclaration[],
    },
    logger,
  });
  const grants = createGrantCache({
    source: {
      version: async () => (await primary(M.accessVersion, [])) as number,
      rows: async () => (await primary(M.access, [])) as AccessRows,
    },
  });
  const appAuth: AppAuth = createAppAuth({
    openSecret: async (code) => ((await primary(M.secret, [code])) as string | null) ?? undefined,
    nonces: {
      claim: async (app, nonce, at) => (await primary(M.nonce, [app, nonce, at])) as boolean,
      // Expired nonces are berthd's to purge.
      purge: async () => 0,
    },
  });
  const userAuth: UserAuth = {
    async authenticateUser({ claims, app }) {
      if (claims.userToken === undefined && claims.username === undefined) return undefined;
      return ((await primary(M.user, [claims, app])) as GatewayUser | null) ?? undefined;
    },
  };
  const rateLimits = createBorrowedRateLimiter({
    borrow: async (key, limit, now, want, giveBack) =>
      (await primary(M.rate, [key, limit, now, want, giveBack])) as RateLoan,
  });
  /** The last batch on its way to berthd (awaited when the worker stops). */
  let sending: Promise<void> = Promise.resolve();
  const records = createRecordBatcher({
    send: (batch) => {
      sending = primary(M.records, [batch]).then(
        () => undefined,
        (err: unknown) =>
          logger.warn({ err }, 'API gateway call records did not reach berthd; they are lost'),
      );
    },
  });
  const builtinHandlers = new Map<string, BuiltinHandler>();
  const builtin = (name: string): BuiltinHandler => {
    let handler = builtinHandlers.get(name);
    if (handler === undefined) {
      handler = async (call) => {
        const sent: WorkerBuiltinCall = {
          app: call.app,
          user: call.user ?? null,
          params: { ...call.params },
          query: call.query.toString(),
          body: call.body,
        };
        return primary(M.builtin, [name, sent]);
      };
      builtinHandlers.set(name, handler);
    }
    return handler;
  };
  const steps = createCallSteps({
    directory,
    security: { appAuth, userAuth, grants, rateLimits },
    destinations: createDestinations({ current: ctx.current, shared: ctx.upstreams, logger }),
    recorder: records,
    builtin: { get: builtin },
  });
  ctx.onNotice((name) => {
    if (name === N.declarations) directory.invalidate();
    else if (name === N.access) grants.invalidate();
  });
  const calls = createCallAnswerer({ steps: () => steps, bodyLimit: APIGW_CALL_BODY_LIMIT, logger });
  return {
    request: (req, res, call) => calls.serve(req, res, call),
    // The counts of the last second go to berthd before the worker exits.
    async close() {
      records.close();
      await sending;
    },
  };
}
