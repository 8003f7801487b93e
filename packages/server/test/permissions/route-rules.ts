// Who may call each API route: the permission matrix, one entry per `METHOD /path` (the OpenAPI
// document's spelling). An app route names the action it needs, and the roles come from the SDK's
// DEFAULT_ACTION_ROLES, so this table, the server and the console cannot drift apart; a route that is
// not about one app (users, tokens, audit, jobs, the platform, sessions) has a row per caller instead.
// permission-matrix.system.test.ts calls every route as every caller against a real berthd and checks
// the outcome this table gives; permissions-docs.test.ts checks docs/permissions.md against it.
import { APPROVAL_ACTIONS, type AppAction, DEFAULT_ACTION_ROLES, type EnvName, type Role } from '@berth/sdk';

/** Who calls: nobody, a user of each role, and a developer who is not a member of the app. */
export const CALLERS = ['anonymous', 'admin', 'operator', 'member', 'outsider', 'auditor'] as const;
export type Caller = (typeof CALLERS)[number];

/** The role of each caller (a member and an outsider are both developers). */
export const CALLER_ROLES: Record<Exclude<Caller, 'anonymous'>, Role> = {
  admin: 'admin',
  operator: 'operator',
  member: 'developer',
  outsider: 'developer',
  auditor: 'auditor',
};

/**
 * What a call comes to: `allowed` passes authorisation (whatever the route then answers), `forbidden`
 * is 403 FORBIDDEN, `approval` 403 APPROVAL_REQUIRED, `hidden` the 404 of something the caller may
 * not see (APP_NOT_FOUND, DEPLOY_NOT_FOUND, JOB_NOT_FOUND), `unauthenticated` 401.
 */
export type Outcome = 'allowed' | 'forbidden' | 'approval' | 'hidden' | 'unauthenticated';

/** Whether each environment needs approval in the matrix's berthd (BERTH_PROD_APPROVAL=on). */
export const MATRIX_APPROVAL: Record<EnvName, boolean> = { stag: false, prod: true };

/** Not about one app (or more than an action): each caller's outcome, and the words the docs show. */
export interface CallerRule {
  who: string;
  outcomes: Record<Caller, Outcome>;
}
/** An app route names its action: the caller must see the app and hold the action there. */
export type Rule = { action: AppAction } | CallerRule;

export interface RouteCase {
  /** Tells a route's cases apart (`reveal=true`, `own request`); absent for the plain call. */
  variant?: string;
  rule: Rule;
  /** The environments the call is made in (the path's `{env}`, or where its deploy or request
   *  lives); absent: both for a path with `{env}`, none otherwise. */
  envs?: readonly EnvName[];
  /** A route that is written on another branch and not served yet (see the test "pending routes"). */
  pending?: true;
}

function byRole(who: string, anonymous: Outcome, outcome: (role: Role) => Outcome): CallerRule {
  const outcomes = { anonymous } as Record<Caller, Outcome>;
  for (const [caller, role] of Object.entries(CALLER_ROLES)) outcomes[caller as Caller] = outcome(role);
  return { who, outcomes };
}

/** No credential needed: everyone, anonymous callers included. */
const PUBLIC = byRole('anyone, no login', 'allowed', () => 'allowed');
/** Any logged-in user, of any role. */
const LOGGED_IN = byRole('anyone logged in', 'unauthenticated', () => 'allowed');
/** Logged-in users of these roles; everyone else FORBIDDEN. */
function roles(...allowed: Role[]): CallerRule {
  return byRole(allowed.join(', '), 'unauthenticated', (role) =>
    allowed.includes(role) ? 'allowed' : 'forbidden',
  );
}
const action = (a: AppAction): Rule => ({ action: a });
const one = (rule: Rule, more: Omit<RouteCase, 'rule'> = {}): RouteCase[] => [{ rule, ...more }];

/** Explicit rows of app routes that add a condition to their action. */
const EMERGENCY_ROLLBACK: CallerRule = {
  who: 'admin, operator (`rollback` and `rollback.emergency`, with `emergencyReason`)',
  outcomes: {
    anonymous: 'unauthenticated',
    admin: 'allowed',
    operator: 'allowed',
    member: 'forbidden',
    outsider: 'hidden',
    auditor: 'forbidden',
  },
};
const WITHDRAW_OWN: CallerRule = {
  who: 'the requester (`app.read`)',
  outcomes: {
    anonymous: 'unauthenticated',
    admin: 'allowed',
    operator: 'allowed',
    member: 'allowed',
    outsider: 'hidden',
    // An auditor cannot file a request, so the one they try is someone else's.
    auditor: 'forbidden',
  },
};
const WITHDRAW_OTHERS: CallerRule = {
  who: 'nobody but the requester',
  outcomes: {
    anonymous: 'unauthenticated',
    admin: 'forbidden',
    operator: 'forbidden',
    member: 'forbidden',
    outsider: 'hidden',
    auditor: 'forbidden',
  },
};
/** POST /api/v1/auth/app-user takes the app's code and secret, never a user's credential. */
const APP_CREDENTIALS = byRole("the app's code and secret", 'allowed', () => 'allowed');
const USER_CREDENTIALS_ONLY = byRole(
  '(a user credential is not enough)',
  'unauthenticated',
  () => 'unauthenticated',
);

/** POST /api/v1/hooks/{code}: the app's webhook secret authenticates it, a user's credential does not. */
const WEBHOOK_SIGNED = byRole("anyone with the app's webhook secret", 'allowed', () => 'allowed');

/** A job of no app (jobs/jobs-service.ts): developers do not see it at all, auditors only read it. */
const PLATFORM_JOB_READERS: CallerRule = {
  who: 'admin, operator, auditor',
  outcomes: { ...roles('admin', 'operator', 'auditor').outcomes, member: 'hidden', outsider: 'hidden' },
};
const PLATFORM_JOB_CANCELLERS: CallerRule = {
  who: 'admin, operator',
  outcomes: { ...roles('admin', 'operator').outcomes, member: 'hidden', outsider: 'hidden' },
};

/**
 * Grants of API gateway calls (apigw/grants.ts): admins and operators, and the builders of the
 * system's owner app. The matrix's berthd declares no owner for any system, so its developers (the
 * member and the outsider alike) are refused; grants-api.system.test.ts covers an owner's builder.
 */
const GRANT_MANAGERS: CallerRule = {
  who: "admin, operator, a developer member of the system's owner app",
  outcomes: roles('admin', 'operator').outcomes,
};

/**
 * API gateway permission requests (apigw/permission-requests.ts): filed for an app by its developer
 * members and staff; seen by those who see the app (or the system's owner app); decided as grants
 * are made (GRANT_MANAGERS, and the matrix's systems have no owner); withdrawn by the requester,
 * the app's developer members and staff. The matrix's requests are the admin's, for the matrix app.
 */
const PERMISSION_REQUESTERS: CallerRule = {
  who: 'admin, operator, a developer member of the app',
  outcomes: { ...roles('admin', 'operator').outcomes, member: 'allowed', outsider: 'forbidden' },
};
const PERMISSION_REQUEST_READERS: CallerRule = {
  who: "anyone who sees the app, or the system's owner app",
  outcomes: { ...roles('admin', 'operator', 'auditor').outcomes, member: 'allowed', outsider: 'hidden' },
};
const PERMISSION_DECIDERS: CallerRule = {
  who: "admin, operator, a developer member of the system's owner app",
  outcomes: { ...roles('admin', 'operator').outcomes, outsider: 'hidden' },
};
const PERMISSION_WITHDRAWERS: CallerRule = {
  who: 'its requester, admin, operator, a developer member of the app',
  outcomes: { ...roles('admin', 'operator').outcomes, member: 'allowed', outsider: 'hidden' },
};

const BOTH: readonly EnvName[] = ['stag', 'prod'];
const PROD: readonly EnvName[] = ['prod'];

export const ROUTE_RULES: Readonly<Record<string, readonly RouteCase[]>> = {
  // platform and the API's own files
  'GET /healthz': one(PUBLIC),
  'GET /api/v1/openapi.json': one(PUBLIC),
  'GET /downloads/berth-cli.tgz': one(PUBLIC),
  'GET /api/v1/platform/status': one(roles('admin', 'operator', 'auditor')),
  'GET /api/v1/nodes': one(roles('admin', 'operator', 'auditor')),
  'GET /api/v1/metrics': one(roles('admin', 'operator', 'auditor')),
  // sessions and the current user
  'POST /api/v1/auth/login': one(PUBLIC),
  'POST /api/v1/auth/logout': one(PUBLIC),
  'GET /api/v1/auth/app-login': one(LOGGED_IN),
  'POST /api/v1/auth/app-user': [
    { variant: 'app credentials', rule: APP_CREDENTIALS },
    { variant: 'user credential', rule: USER_CREDENTIALS_ONLY },
  ],
  'GET /api/v1/me': one(LOGGED_IN),
  'PUT /api/v1/me/password': one(LOGGED_IN),
  'GET /api/v1/me/tokens': one(LOGGED_IN),
  'POST /api/v1/me/tokens': one(LOGGED_IN),
  'DELETE /api/v1/me/tokens/{id}': one(LOGGED_IN),
  // administration (identity/roles.ts)
  'GET /api/v1/tokens': one(roles('admin')),
  'DELETE /api/v1/tokens/{id}': one(roles('admin')),
  'GET /api/v1/users': one(roles('admin', 'operator', 'auditor')),
  'POST /api/v1/users': one(roles('admin')),
  'GET /api/v1/users/{username}': [
    { rule: roles('admin', 'operator', 'auditor') },
    { variant: 'themselves', rule: LOGGED_IN },
  ],
  'PATCH /api/v1/users/{username}': [
    { rule: roles('admin') },
    { variant: "a developer's password", rule: roles('admin', 'operator') },
  ],
  'DELETE /api/v1/users/{username}': one(roles('admin')),
  'GET /api/v1/audit': one(roles('admin', 'auditor')),
  // apps
  'GET /api/v1/apps': one(LOGGED_IN),
  'POST /api/v1/apps': one(roles('admin', 'operator', 'developer')),
  'GET /api/v1/apps/{code}': one(action('app.read')),
  'PATCH /api/v1/apps/{code}': [
    { rule: action('app.update') },
    { variant: 'placement', rule: action('placement.write') },
  ],
  'DELETE /api/v1/apps/{code}': one(action('app.delete')),
  'GET /api/v1/apps/{code}/secret': one(action('secret.reveal')),
  'POST /api/v1/apps/{code}/secret/rotate': one(action('secret.rotate')),
  'GET /api/v1/apps/{code}/limits': one(action('app.read')),
  'PUT /api/v1/apps/{code}/limits': one(action('limits.write')),
  'GET /api/v1/apps/{code}/members': one(action('app.read')),
  'POST /api/v1/apps/{code}/members': one(action('members.write')),
  'DELETE /api/v1/apps/{code}/members/{username}': one(action('members.write')),
  'GET /api/v1/apps/{code}/permissions': one(action('app.read')),
  // environments, config and policy
  'GET /api/v1/apps/{code}/envs': one(action('app.read')),
  'GET /api/v1/apps/{code}/envs/{env}/config': one(action('app.read')),
  'PATCH /api/v1/apps/{code}/envs/{env}/config': one(action('config.write')),
  'GET /api/v1/apps/{code}/envs/{env}/config/{name}': [
    { rule: action('app.read') },
    { variant: 'reveal=true', rule: action('secret.reveal') },
  ],
  'GET /api/v1/apps/{code}/envs/{env}/policy': one(action('app.read')),
  'PUT /api/v1/apps/{code}/envs/{env}/policy': one(action('policy.write')),
  // deploys, releases and instances
  'POST /api/v1/apps/{code}/envs/{env}/deploys': one(action('deploy')),
  'GET /api/v1/apps/{code}/envs/{env}/deploys': one(action('app.read')),
  'GET /api/v1/deploys/{id}': one(action('app.read'), { envs: BOTH }),
  'GET /api/v1/deploys/{id}/logs': one(action('app.read'), { envs: BOTH }),
  'POST /api/v1/deploys/{id}/cancel': one(action('operate'), { envs: BOTH }),
  'GET /api/v1/apps/{code}/envs/{env}/releases': one(action('app.read')),
  'POST /api/v1/apps/{code}/envs/{env}/rollback': [
    { rule: action('rollback') },
    { variant: 'emergency', rule: EMERGENCY_ROLLBACK, envs: PROD },
  ],
  'POST /api/v1/apps/{code}/promote': one(action('deploy'), { envs: PROD }),
  'POST /api/v1/apps/{code}/envs/{env}/restart': one(action('operate')),
  'PUT /api/v1/apps/{code}/envs/{env}/formation': one(action('operate')),
  'POST /api/v1/apps/{code}/envs/{env}/stop': one(action('operate')),
  'POST /api/v1/apps/{code}/envs/{env}/start': one(action('operate')),
  'GET /api/v1/apps/{code}/envs/{env}/instances': one(action('app.read')),
  'GET /api/v1/apps/{code}/traffic': one(action('app.read')),
  'GET /api/v1/apps/{code}/envs/{env}/logs': one(action('app.read')),
  'POST /api/v1/apps/{code}/envs/{env}/run': one(action('run')),
  // deploy requests
  'POST /api/v1/apps/{code}/envs/{env}/requests': one(action('deploy.request')),
  'POST /api/v1/apps/{code}/envs/{env}/requests/package': one(action('deploy.request')),
  'GET /api/v1/requests': one(LOGGED_IN),
  'GET /api/v1/requests/{id}': one(action('app.read'), { envs: BOTH }),
  'POST /api/v1/requests/{id}/approve': one(action('approve'), { envs: BOTH }),
  'POST /api/v1/requests/{id}/refuse': one(action('approve'), { envs: BOTH }),
  'POST /api/v1/requests/{id}/withdraw': [
    { variant: 'own request', rule: WITHDRAW_OWN, envs: BOTH },
    { variant: "someone else's", rule: WITHDRAW_OTHERS, envs: BOTH },
  ],
  // jobs (jobs/jobs-service.ts): a job of an app is seen and cancelled as its app allows
  'GET /api/v1/jobs': one(LOGGED_IN),
  'GET /api/v1/jobs/{id}': [
    { variant: "an app's job", rule: action('app.read') },
    { variant: 'a platform job', rule: PLATFORM_JOB_READERS },
  ],
  'GET /api/v1/jobs/{id}/logs': [
    { variant: "an app's job", rule: action('app.read') },
    { variant: 'a platform job', rule: PLATFORM_JOB_READERS },
  ],
  'POST /api/v1/jobs/{id}/cancel': [
    { variant: "an app's job", rule: action('operate') },
    { variant: 'a platform job', rule: PLATFORM_JOB_CANCELLERS },
  ],
  // scheduled work (jobs/schedules-routes.ts)
  'GET /api/v1/schedules': one(roles('admin', 'operator')),
  // notifications
  'GET /api/v1/channels': one(LOGGED_IN),
  'POST /api/v1/channels': one(roles('admin')),
  'GET /api/v1/channels/{id}': one(LOGGED_IN),
  'PATCH /api/v1/channels/{id}': one(roles('admin')),
  'DELETE /api/v1/channels/{id}': one(roles('admin')),
  'POST /api/v1/channels/{id}/test': one(roles('admin')),
  'GET /api/v1/channels/{id}/deliveries': one(roles('admin')),
  'GET /api/v1/apps/{code}/subscriptions': one(action('notify.read')),
  'PUT /api/v1/apps/{code}/subscriptions/{channelId}': one(action('notify.write')),
  'DELETE /api/v1/apps/{code}/subscriptions/{channelId}': one(action('notify.write')),
  'GET /api/v1/apps/{code}/deliveries': one(action('notify.read')),
  // sources
  'POST /api/v1/apps/{code}/envs/{env}/deploys/git': one(action('deploy')),
  'POST /api/v1/apps/{code}/envs/{env}/deploys/image': one(action('deploy')),
  'GET /api/v1/apps/{code}/builds': one(action('app.read')),
  'GET /api/v1/apps/{code}/source': one(action('app.read')),
  'PUT /api/v1/apps/{code}/source': one(action('source.write')),
  'PUT /api/v1/apps/{code}/source/pin': one(action('source.pin')),
  'DELETE /api/v1/apps/{code}/source/pin': one(action('source.pin')),
  'GET /api/v1/apps/{code}/git': one(action('app.read')),
  // custom domains and certificates (domains/): a domain follows its app, certificates are staff's
  'GET /api/v1/domains': one(LOGGED_IN),
  'POST /api/v1/domains': one(action('domain.write')),
  'GET /api/v1/domains/{host}': one(action('app.read')),
  'PATCH /api/v1/domains/{host}': one(action('domain.write')),
  'DELETE /api/v1/domains/{host}': one(action('domain.write')),
  'POST /api/v1/domains/{host}/acme': one(action('domain.write')),
  'GET /api/v1/certificates': one(roles('admin', 'operator', 'auditor')),
  'POST /api/v1/certificates': one(roles('admin', 'operator')),
  'GET /api/v1/certificates/{id}': one(roles('admin', 'operator', 'auditor')),
  'DELETE /api/v1/certificates/{id}': one(roles('admin', 'operator')),
  // the API gateway's declarations (apigw/): everyone logged in reads, staff change
  'POST /api/v1/apigw/sync': one(roles('admin', 'operator')),
  'GET /api/v1/apigw/export': one(roles('admin', 'operator')),
  'GET /api/v1/apigw/systems': one(LOGGED_IN),
  'GET /api/v1/apigw/systems/{name}': one(LOGGED_IN),
  'GET /api/v1/apigw/systems/{name}/openapi.json': one(LOGGED_IN),
  'PUT /api/v1/apigw/systems/{name}': one(roles('admin', 'operator')),
  'DELETE /api/v1/apigw/systems/{name}': one(roles('admin', 'operator')),
  'GET /api/v1/apigw/components': one(LOGGED_IN),
  // API gateway grants and trusted apps (apigw/grants.ts): developers see their apps' grants
  'GET /api/v1/apigw/grants': one(LOGGED_IN),
  'POST /api/v1/apigw/grants': one(GRANT_MANAGERS),
  'DELETE /api/v1/apigw/grants/{id}': one(GRANT_MANAGERS),
  'GET /api/v1/apigw/trusted-apps': one(roles('admin', 'operator', 'auditor')),
  'PUT /api/v1/apigw/trusted-apps/{app}': one(roles('admin', 'operator')),
  'DELETE /api/v1/apigw/trusted-apps/{app}': one(roles('admin', 'operator')),
  'GET /api/v1/apigw/permission-requests': one(LOGGED_IN),
  'POST /api/v1/apigw/permission-requests': one(PERMISSION_REQUESTERS),
  'GET /api/v1/apigw/permission-requests/{id}': one(PERMISSION_REQUEST_READERS),
  'POST /api/v1/apigw/permission-requests/{id}/approve': one(PERMISSION_DECIDERS),
  'POST /api/v1/apigw/permission-requests/{id}/refuse': one(PERMISSION_DECIDERS),
  'POST /api/v1/apigw/permission-requests/{id}/withdraw': one(PERMISSION_WITHDRAWERS),
  // inbound webhooks
  'GET /api/v1/apps/{code}/webhook': [
    { rule: action('app.read') },
    { variant: 'reveal=true', rule: action('source.write') },
  ],
  'POST /api/v1/apps/{code}/webhook/rotate': one(action('source.write')),
  'GET /api/v1/apps/{code}/webhook/deliveries': one(action('app.read')),
  'POST /api/v1/hooks/{code}': [
    { variant: 'signed', rule: WEBHOOK_SIGNED },
    { variant: 'unsigned', rule: USER_CREDENTIALS_ONLY },
  ],
  // API gateway call records (apigw/): staff read every row, a developer those of their apps' calls
  'GET /api/v1/apigw/records': one(LOGGED_IN),
};

/** The environments a case is called in ([undefined] when none applies). */
export function envsOf(route: string, c: RouteCase): ReadonlyArray<EnvName | undefined> {
  if (c.envs) return c.envs;
  return route.includes('{env}') ? BOTH : [undefined];
}

/** What a caller's call comes to under a rule, in an environment (for an action decided there). */
export function expectedOutcome(rule: Rule, caller: Caller, env: EnvName | undefined): Outcome {
  if ('outcomes' in rule) return rule.outcomes[caller];
  if (caller === 'anonymous') return 'unauthenticated';
  // A developer's view of an app they are not a member of: it does not exist.
  if (caller === 'outsider') return 'hidden';
  if (!DEFAULT_ACTION_ROLES[rule.action].includes(CALLER_ROLES[caller])) return 'forbidden';
  const gated = (APPROVAL_ACTIONS as readonly string[]).includes(rule.action);
  return gated && env !== undefined && MATRIX_APPROVAL[env] ? 'approval' : 'allowed';
}

/** The "who" cell of docs/permissions.md's route table for a case. */
export function whoText(c: RouteCase): string {
  return 'action' in c.rule ? `\`${c.rule.action}\`` : c.rule.who;
}
