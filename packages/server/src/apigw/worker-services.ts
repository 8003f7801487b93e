// What berthd (the primary) answers the API gateway policy running in its gateway workers
// (worker-policy.ts): each a method of the gateway cluster's IPC call channel, with plain-data
// arguments and answers. Workers hold no store; they ask berthd for
//   - what they keep copies of, with the same freshness rules as berthd's own copies: the
//     declarations and the grants (each a version to compare and the rows), an app's secret (kept
//     SECRET_CACHE_MS, as berthd keeps it);
//   - what must be decided once across every process and replica: a signed call's nonce, a user
//     token, tokens of a rate limit (lent from berthd's store lease: rate-limits.ts `lend`);
//   - what is counted in berthd: call records, sent as batches (record-batches.ts);
//   - the built-in system's handlers, which use berthd's modules.
// Refusals travel as BerthErrors (their code, message and details); a worker turns them into the
// same answers berthd gives.

import { BerthError } from '../errors.ts';
import type { PrimaryServices } from '../gateway/index.ts';
import type { BuiltinHandler } from './builtin-types.ts';
import type { CallRecorder, RecordBatch } from './call-records.ts';
import type { CallerClaims } from './caller-credentials.ts';
import type { DeclarationSource } from './directory.ts';
import type { AccessSource } from './grant-cache.ts';
import type { Nonces } from './nonces.ts';
import type { RateLimit, RateLimiter } from './rate-limits.ts';
import type { UserAuth } from './user-auth.ts';
import { WORKER_METHODS as M, type WorkerBuiltinCall } from './worker-methods.ts';

export interface ApigwWorkerServiceDeps {
  declarations: DeclarationSource;
  access: AccessSource;
  /** The app's secret as the store has it (not a cached copy: the worker caches it). */
  openSecret(code: string): Promise<string | undefined>;
  nonces: Nonces;
  userAuth: UserAuth;
  rateLimits: RateLimiter;
  recorder: CallRecorder;
  builtin: ReadonlyMap<string, BuiltinHandler>;
}

const str = (value: unknown, name: string): string => {
  if (typeof value !== 'string') throw new BerthError('VALIDATION_FAILED', `${name} is not a string`);
  return value;
};
const num = (value: unknown, name: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new BerthError('VALIDATION_FAILED', `${name} is not a number`);
  }
  return value;
};

export function createApigwWorkerServices(deps: ApigwWorkerServiceDeps): PrimaryServices {
  const methods: Record<string, (args: unknown[]) => Promise<unknown>> = {
    [M.declarationsVersion]: () => deps.declarations.version(),
    [M.declarations]: () => deps.declarations.read(),
    [M.accessVersion]: () => deps.access.version(),
    [M.access]: () => deps.access.rows(),
    [M.secret]: async ([code]) => (await deps.openSecret(str(code, 'code'))) ?? null,
    [M.nonce]: ([app, nonce, at]) => deps.nonces.claim(str(app, 'app'), str(nonce, 'nonce'), num(at, 'at')),
    [M.user]: async ([claims, app]) => {
      const user = await deps.userAuth.authenticateUser({
        claims: claims as CallerClaims,
        app: str(app, 'app'),
        required: false,
      });
      return user ?? null;
    },
    [M.rate]: ([key, limit, at, want, giveBack]) =>
      deps.rateLimits.lend(
        str(key, 'key'),
        limit as RateLimit,
        num(at, 'at'),
        num(want, 'want'),
        num(giveBack, 'giveBack'),
      ),
    [M.records]: async ([batch]) => {
      deps.recorder.absorb(batch as RecordBatch);
      return null;
    },
    [M.builtin]: async ([name, call]) => {
      const handler = deps.builtin.get(str(name, 'name'));
      if (handler === undefined)
        throw new BerthError('APIGW_COMPONENT_NOT_FOUND', `No built-in component ${name}`);
      const given = call as WorkerBuiltinCall;
      const data = await handler({
        app: given.app,
        user: given.user ?? undefined,
        params: given.params,
        query: new URLSearchParams(given.query),
        body: given.body,
      });
      // JSON drops `undefined`: the envelope's data is null then, as berthd's own answer has it.
      return data ?? null;
    },
  };
  return async (method, args) => {
    const run = methods[method];
    if (run === undefined) throw new BerthError('INTERNAL', `no gateway worker service ${method}`);
    return run(args);
  };
}
