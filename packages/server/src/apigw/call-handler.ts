// One API gateway call, start to end: the calling app is authenticated, the component found, the
// user authenticated (when the call names one), the app's permission and rate limit checked — in that
// order, each refusal with its own catalogue code and the destination never reached — then the call
// goes to the destination app environment's healthy instances (or its stag environment when the call
// says `X-Berth-Env: stag`), without the caller's credentials and with the gateway's headers, and the
// app's answer comes back as it is. Every call is recorded (call records: counts, latency, errors).
// A component of the built-in system `berth` has no destination app: after the same checks, its
// handler runs in berthd's process and answers JSON in BlueKing's envelope (builtin-call.ts). That
// choice is made in one place, at the end of `handleCall`.
//
// The steps it needs come in as functions (`CallSteps`), so that this file holds the order and the
// rules between them, and each step is its own module: declarations (directory.ts), app and user
// authentication, grants, rate limits, destinations (destinations.ts, call-exchange.ts).
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { BerthError, isBerthError } from '../errors.ts';
import type { GatewayEnv } from '../gateway/index.ts';
import type { Awaitable } from './awaitable.ts';
import { answerBuiltin, builtinBody, builtinQuery } from './builtin-call.ts';
import type { BuiltinHandler } from './builtin-types.ts';
import {
  type BodyFields,
  bodyFields,
  bodyKind,
  bodyWithoutCredentials,
  type CallBody,
  readCallBody,
} from './call-body.ts';
import { type AnswerRules, type ForwardedCall, sendCall } from './call-exchange.ts';
import type { CallRecord } from './call-records.ts';
import {
  type CallAddress,
  droppedHeader,
  fillDestinationPath,
  queryWithoutCredentials,
} from './call-request.ts';
import { type CallerClaims, readCallerCredentials } from './caller-credentials.ts';
import type { Destinations } from './destinations.ts';
import type { RateLimit } from './rate-limits.ts';

/** A call as it arrived (headers with lower-case names, the body read whole). */
export interface IncomingCall {
  method: string;
  /** The path as sent, without the query, not decoded (`/api/c/BK_SOPS/v2/x/`): what a signature
   *  covers. */
  rawPath: string;
  address: CallAddress;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer | null;
  /** The address the call came from (for X-Forwarded-For). */
  clientIp: string;
  requestId: string;
}

/** Where a declared component's calls go. */
export interface AppTarget {
  kind: 'app';
  app: string;
  env: GatewayEnv;
  /** The destination path, `{var}` placeholders unfilled. */
  path: string;
  /** Method the destination gets (default: the call's). */
  method?: string | undefined;
}

/** What the call handler needs of a component (the declarations' view of it). */
export interface CallComponent {
  system: string;
  name: string;
  /** An app environment, or berthd itself (a component of the built-in system `berth`). */
  target: AppTarget | { kind: 'builtin' };
  permLevel: 'unlimited' | 'normal' | 'sensitive';
  /** The component's timeout, else its system's. */
  timeoutMs: number;
  /** Calls per period and calling app, counted across berthd replicas (rate-limits.ts). */
  rateLimit?: RateLimit | undefined;
}

/** The parts of a call the steps read: the call, its body (parsed once), its fields, what it claims. */
export interface CallView {
  call: IncomingCall;
  body: CallBody;
  /** The body's fields (JSON object or form), for placeholders. */
  fields: BodyFields;
  /** Who the call says it comes from (read once, checked by the steps). */
  claims: CallerClaims;
}

/** The steps answer at once when what they need is in memory, else with a promise (awaitable.ts). */
export interface CallSteps {
  /** The calling app's code; throws APIGW_APP_AUTH_FAILED, APIGW_SIGNATURE_INVALID,
   *  APIGW_TIMESTAMP_STALE or APIGW_NONCE_REPLAYED. */
  authenticateApp(view: CallView): Awaitable<string>;
  /** The component the call's address and method name (with its path variables, decoded), or
   *  undefined. */
  lookup(
    address: CallAddress,
    method: string,
  ): Awaitable<{ component: CallComponent; vars: ReadonlyMap<string, string> } | undefined>;
  /** The user the call names (undefined: it names none); throws APIGW_USER_AUTH_FAILED for a
   *  user it names but does not prove. */
  authenticateUser(view: CallView, app: string): Awaitable<string | undefined>;
  /** Throws APIGW_PERMISSION_DENIED or APIGW_PERMISSION_EXPIRED unless `app` may call it. */
  checkPermission(app: string, component: CallComponent): Awaitable<void>;
  /** Throws APIGW_RATE_LIMITED (details.retryAfterSeconds) when `app` used the component's limit. */
  takeRate(app: string, component: CallComponent): Awaitable<void>;
  destinations: Destinations;
  /** The handler of a built-in component, by its name. */
  builtin(name: string): BuiltinHandler | undefined;
  /** Told once per call, whatever its outcome ('' for what the call did not get as far as). */
  record(done: CallRecord): void;
}

/** The answer to send: a built-in component's, the destination's (written to the caller as it comes
 *  once `send` is given the response), or the gateway's own refusal. */
export type CallAnswer =
  | {
      kind: 'app';
      status: number;
      headers: Record<string, string | string[]>;
      body: Readable;
    }
  | { kind: 'forward'; send(res: ServerResponse): void }
  | { kind: 'gateway'; error: BerthError };

/** Response headers of the app that the API origin does not pass on. */
const DROPPED_ANSWER_HEADERS: ReadonlySet<string> = new Set([
  // (Hop-by-hop headers, those the answer's Connection names, and the app's X-Request-Id are dropped
  // as the app gateway drops them: forward-headers.ts responseHeaders.)
  // berthd's own origin: an app sets no cookie on it, clears nothing of it, and says nothing of how
  // it may be framed or what it may run (the gateway's own values below).
  'set-cookie',
  'clear-site-data',
  'content-security-policy',
  'content-security-policy-report-only',
  'x-frame-options',
  'x-content-type-options',
]);

/**
 * Set on every destination answer: it may be served on berthd's own origin, where the console's
 * session lives, so a page an app returns (a link to `/api/c/…` with the app's own credentials in the
 * query is enough to make a browser load one) must not run script there or be framed: a sandbox
 * without scripts and an opaque origin.
 */
const ANSWER_RULES: AnswerRules = {
  dropped: DROPPED_ANSWER_HEADERS,
  added: [
    'content-security-policy',
    "sandbox; default-src 'none'; frame-ancestors 'none'",
    'x-content-type-options',
    'nosniff',
    'x-frame-options',
    'DENY',
  ],
};

export async function handleCall(steps: CallSteps, call: IncomingCall): Promise<CallAnswer> {
  const started = performance.now();
  const at = Date.now();
  let app: string | null = null;
  let component: CallComponent | null = null;
  try {
    // The body is parsed once here; the credentials, the placeholders and the forwarded body all
    // read that.
    const body = readCallBody(bodyKind(first(call.headers['content-type'])), call.body);
    const view: CallView = {
      call,
      body,
      fields: bodyFields(body),
      claims: readCallerCredentials(
        {
          method: call.method,
          path: call.rawPath,
          query: call.address.query,
          headers: call.headers,
          body: call.body ?? '',
        },
        body,
      ),
    };
    // (Each step's answer is awaited only when it is a promise: most calls need none.)
    const authenticated = steps.authenticateApp(view);
    app = authenticated instanceof Promise ? await authenticated : authenticated;
    const looked = steps.lookup(call.address, call.method);
    const found = looked instanceof Promise ? await looked : looked;
    if (found === undefined) {
      throw new BerthError(
        'APIGW_COMPONENT_NOT_FOUND',
        `No component answers ${call.method} ${call.address.path}${call.address.system === null ? '' : ` in ${call.address.system}`}`,
      );
    }
    component = found.component;
    const named = steps.authenticateUser(view, app);
    const user = named instanceof Promise ? await named : named;
    const permitted = steps.checkPermission(app, component);
    if (permitted instanceof Promise) await permitted;
    const rate = steps.takeRate(app, component);
    if (rate instanceof Promise) await rate;

    const done = recorder(steps, call, app, component, started, at);
    const target = component.target;
    if (target.kind === 'app') {
      const forwarded = forwardedCall(view, { app, user, component, vars: found.vars }, target);
      return {
        kind: 'forward',
        send: (res) =>
          sendCall(
            steps.destinations,
            forwarded.target,
            forwarded.call,
            res,
            { requestId: call.requestId, rules: ANSWER_RULES },
            done,
          ),
      };
    }
    const answer = await answerBuiltin(
      steps.builtin(component.name),
      () => ({
        app: app!,
        user,
        params: Object.fromEntries(found.vars),
        query: builtinQuery(call.address.query),
        body: builtinBody(view.body),
      }),
      call.requestId,
      component.timeoutMs,
    );
    answer.body.once('close', () => done(answer.status));
    return { kind: 'app', ...answer };
  } catch (err) {
    const error = isBerthError(err) ? err : new BerthError('INTERNAL');
    recorder(steps, call, app, component, started, at)(error.status, error);
    if (!isBerthError(err)) throw err;
    return { kind: 'gateway', error };
  }
}

/** Where a call that passed every check goes and what its destination gets: the component's
 *  destination (or its stag environment, `X-Berth-Env: stag`), the filled path with the query less
 *  the credentials, the headers less the credentials plus the gateway's, the body less them. */
function forwardedCall(
  view: CallView,
  passed: {
    app: string;
    user: string | undefined;
    component: CallComponent;
    vars: ReadonlyMap<string, string>;
  },
  target: AppTarget,
): { target: { app: string; env: GatewayEnv }; call: ForwardedCall } {
  const { call } = view;
  const { app, user, component, vars } = passed;
  const env = wantedEnv(call.headers['x-berth-env'], target.env);
  const query = queryWithoutCredentials(call.address.query);
  const path = fillDestinationPath(target.path, { vars, query: call.address.query, body: view.fields });
  return {
    target: { app: target.app, env },
    call: {
      method: target.method ?? call.method,
      path: query === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${query}`,
      headers: forwardedHeaders(call, app, user),
      body: bodyWithoutCredentials(view.body),
      timeoutMs: component.timeoutMs,
    },
  };
}

function recorder(
  steps: CallSteps,
  call: IncomingCall,
  app: string | null,
  component: CallComponent | null,
  started: number,
  at: number,
): (status: number, error?: BerthError) => void {
  return (status, error) => {
    steps.record({
      system: component?.system ?? call.address.system ?? '',
      component: component?.name ?? '',
      app: app ?? '',
      status,
      durationMs: performance.now() - started,
      ...(error === undefined ? {} : { code: error.code, message: error.message }),
      requestId: call.requestId,
      at,
    });
  };
}

/** `X-Berth-Env: stag` sends the call to the destination's stag environment. */
function wantedEnv(header: string | string[] | undefined, declared: GatewayEnv): GatewayEnv {
  const value = first(header)?.trim().toLowerCase();
  if (value === undefined || value === '') return declared;
  if (value === 'stag' || value === 'prod') return value;
  throw new BerthError('VALIDATION_FAILED', 'X-Berth-Env must be stag or prod', { field: 'X-Berth-Env' });
}

/** The call's headers without what the destination must not see, and the gateway's added. */
function forwardedHeaders(call: IncomingCall, app: string, user: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(call.headers)) {
    const value = call.headers[name];
    if (value === undefined || droppedHeader(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  out['x-berth-app-code'] = app;
  if (user !== undefined) out['x-berth-username'] = user;
  out['x-request-id'] = call.requestId;
  out['x-forwarded-for'] = call.clientIp;
  return out;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
