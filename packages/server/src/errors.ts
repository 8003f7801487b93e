// The error catalogue: every error berthd returns has a stable code listed here, with its HTTP status
// and a default message. Services throw `BerthError`s; only the HTTP edge turns them into responses.
// docs/errors.md lists the same codes (a test keeps the two in step).

import type { ErrorCode as CatalogueCode } from '@berth/sdk';

// The codes are the SDK's list (ERROR_CODES): `satisfies` makes this catalogue name every one of them and
// no other.
export const ERRORS = {
  // request shape
  BAD_JSON: { status: 400, message: 'The request body is not valid JSON' },
  VALIDATION_FAILED: { status: 400, message: 'The request does not match the expected schema' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large', async: true },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body has an unsupported content type' },
  ROUTE_NOT_FOUND: { status: 404, message: 'No such API route' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'The method is not allowed on this route' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    message: 'This Idempotency-Key was used for another request in the last 24 hours; send a new key',
  },
  INVALID_CURSOR: { status: 400, message: 'cursor is not a nextCursor this list returned' },
  // authentication and authorisation
  UNAUTHENTICATED: { status: 401, message: 'Log in or send an API token' },
  INVALID_CREDENTIALS: { status: 401, message: 'Wrong username or password' },
  LOGIN_RATE_LIMITED: { status: 429, message: 'Too many failed logins; try again later' },
  LOGIN_BUSY: { status: 503, message: 'Too many logins are being checked right now; try again in a moment' },
  PASSWORD_CHANGE_REQUIRED: {
    status: 403,
    message:
      'Change your password first (PUT /api/v1/me/password); until then only that, GET /api/v1/me and logout work',
  },
  TOKEN_INVALID: { status: 401, message: 'The token is not valid' },
  TOKEN_EXPIRED: { status: 401, message: 'The token has expired' },
  TOKEN_REVOKED: { status: 401, message: 'The token has been revoked' },
  APP_AUTH_FAILED: { status: 401, message: 'Wrong app code or app secret' },
  FORBIDDEN: { status: 403, message: 'Your role does not allow this' },
  CSRF_REFUSED: {
    status: 403,
    message:
      "A change made with the session cookie must come from the console's own origin, with a JSON body",
  },
  // login tickets (apps learning who the user is)
  NEXT_URL_REFUSED: {
    status: 400,
    message: "next must point at the app environment's own address on the apps origin",
  },
  TICKET_INVALID: { status: 401, message: 'The login ticket is unknown or not for this app and environment' },
  TICKET_EXPIRED: {
    status: 401,
    message: 'The login ticket has expired; send the user through app-login again',
  },
  TICKET_USED: { status: 401, message: 'The login ticket was redeemed already' },
  // users and tokens
  USER_NOT_FOUND: { status: 404, message: 'No such user' },
  USERNAME_TAKEN: { status: 409, message: 'A user with this username exists already' },
  USER_DISABLED: { status: 403, message: 'This user is disabled' },
  WEAK_PASSWORD: { status: 400, message: 'The password is too weak' },
  LAST_ADMIN: { status: 409, message: 'The last active admin cannot be removed, disabled or demoted' },
  API_TOKEN_NOT_FOUND: { status: 404, message: 'No such API token' },
  // apps and environments
  APP_NOT_FOUND: { status: 404, message: 'No such app' },
  APP_CODE_TAKEN: { status: 409, message: 'An app with this code exists already' },
  ENV_NOT_FOUND: { status: 404, message: 'No such environment (use stag or prod)' },
  CONFIG_VAR_NOT_FOUND: { status: 404, message: 'No such config var' },
  CONFIG_KEY_RESERVED: {
    status: 400,
    message: 'PORT and config var names starting with BERTH_ are set by the platform',
  },
  MEMBER_NOT_FOUND: { status: 404, message: 'This user is not a developer of the app' },
  // apps module
  APP_CODE_RESERVED: { status: 400, message: 'This app code is reserved for the platform' },
  PLACEMENT_INVALID: {
    status: 400,
    message: 'A placement constraint is not valid: KEY==VALUE or KEY!=VALUE on a node key Swarm knows',
  },
  CONFIG_TOO_LARGE: {
    status: 400,
    message: 'Config vars are limited to 32 KiB per value and 500 per environment',
  },
  // jobs
  JOB_NOT_FOUND: { status: 404, message: 'No such job' },
  JOB_NOT_CANCELLABLE: { status: 409, message: 'The job has finished and cannot be cancelled' },
  JOB_FAILED: { status: 500, message: 'The job failed; its log says why', async: true },
  JOB_WORKER_LOST: {
    status: 500,
    message: 'The berthd running the job stopped before it finished, too many times',
    async: true,
  },
  // logs
  LOG_STREAMS_LIMIT: {
    status: 429,
    message: 'You have too many log streams open; close one before following another',
  },
  // sources
  PACKAGE_INVALID: {
    status: 400,
    message: 'The package is not a valid .tar.gz or .tar archive',
    async: true,
  },
  PACKAGE_PATH_UNSAFE: { status: 400, message: 'The package has an entry with an unsafe path', async: true },
  PACKAGE_LINK_UNSAFE: {
    status: 400,
    message: 'The package has a link pointing outside it, or an entry written through a link',
    async: true,
  },
  PACKAGE_ENTRY_FORBIDDEN: {
    status: 400,
    message: 'The package has an entry type that is not allowed (device, FIFO, sparse file)',
    async: true,
  },
  PACKAGE_PATH_CONFLICT: {
    status: 400,
    message: 'The package has duplicate or conflicting entries',
    async: true,
  },
  PACKAGE_TOO_LARGE: { status: 413, message: 'The package unpacks to more bytes than allowed', async: true },
  PACKAGE_TOO_MANY_FILES: { status: 413, message: 'The package has more entries than allowed', async: true },
  PACKAGE_RATIO_EXCEEDED: {
    status: 413,
    message: 'The package inflates far more than real archives do (a compression bomb?)',
    async: true,
  },
  // gateway (written by the proxy itself, not the API edge)
  GATEWAY_NO_ROUTE: { status: 404, message: 'No app is served at this address' },
  GATEWAY_BAD_REQUEST: { status: 400, message: 'The request cannot be forwarded to the app' },
  GATEWAY_NO_UPSTREAM: { status: 503, message: 'The app has no healthy instance right now' },
  GATEWAY_BAD_UPSTREAM: { status: 502, message: "The app's instance refused or dropped the connection" },
  GATEWAY_TIMEOUT: { status: 504, message: 'The app did not answer in time' },
  // manifest and build
  MANIFEST_INVALID: { status: 400, message: 'The app manifest is not valid', async: true },
  MANIFEST_COMMAND_UNSAFE: {
    status: 400,
    message: 'A command uses shell features; write it as ["sh", "-c", "…"] if you really want a shell',
    async: true,
  },
  APP_UNDETECTABLE: {
    status: 400,
    message: 'Cannot tell how to build and run this app: add a berth.yaml (see docs/app-manifest.md)',
    async: true,
  },
  BUILD_FAILED: { status: 422, message: 'The build failed', async: true },
  BUILD_TIMEOUT: { status: 422, message: 'The build took longer than allowed', async: true },
  BUILD_IMAGE_FAILED: {
    status: 422,
    message: 'The image could not be built from the Dockerfile',
    async: true,
  },
  // runtime
  RUNTIME_SPEC_INVALID: { status: 400, message: 'The instance spec is not valid', async: true },
  RUNTIME_INSTANCE_EXISTS: { status: 409, message: 'An instance with this id exists already', async: true },
  RUNTIME_INSTANCE_NOT_FOUND: { status: 404, message: 'No such instance', async: true },
  RUNTIME_START_FAILED: {
    status: 422,
    message: 'The instance could not be started (is the command installed and executable?)',
    async: true,
  },
  RUNTIME_NO_PORT: { status: 503, message: 'No free port is left for the instance', async: true },
  RUNTIME_CLOSED: { status: 503, message: 'The runtime driver is shut down', async: true },
  // docker
  DOCKER_UNAVAILABLE: { status: 503, message: 'The Docker engine is not reachable', async: true },
  STACK_IMAGE_BUILD_FAILED: { status: 500, message: 'The stack image could not be built', async: true },
  // sources (git, images, webhooks)
  GIT_REF_NOT_FOUND: { status: 404, message: 'No such branch, tag or commit in the repository', async: true },
  GIT_REF_INVALID: {
    status: 400,
    message: 'The ref name is not a valid git branch, tag or commit name',
    async: true,
  },
  GIT_FETCH_FAILED: { status: 502, message: 'The repository could not be fetched', async: true },
  GIT_HOST_KEY_MISMATCH: {
    status: 502,
    message: "The SSH host key of the repository's server is not the one pinned",
    async: true,
  },
  GIT_REPO_TOO_LARGE: {
    status: 413,
    message: 'The repository would grow beyond its size limit',
    async: true,
  },
  SOURCE_NOT_CONFIGURED: {
    status: 409,
    message: 'The app has no external repository configured',
    async: true,
  },
  SOURCE_SUBMODULES_UNSUPPORTED: {
    status: 422,
    message: 'The source uses git submodules, which Berth does not fetch',
    async: true,
  },
  SOURCE_LFS_UNSUPPORTED: {
    status: 422,
    message: 'The source has Git LFS pointers, which Berth does not resolve',
    async: true,
  },
  MANIFEST_PINNED: {
    status: 422,
    message: 'The manifest is pinned by an operator: the pushed berth.yaml may not change it',
    async: true,
  },
  IMAGE_NOT_FOUND: {
    status: 404,
    message: 'No such image on the Docker host or in the registry',
    async: true,
  },
  IMAGE_REGISTRY_NOT_ALLOWED: {
    status: 403,
    message: 'Images may be pulled only from registries the operator configured',
    async: true,
  },
  IMAGE_DEPLOY_UNSUPPORTED: {
    status: 409,
    message: 'Prebuilt images run only on the Docker runtime',
    async: true,
  },
  BUILD_SUPERSEDED: {
    status: 409,
    message: 'A newer push or deploy of the same trigger replaced this one before it started',
    async: true,
  },
  WEBHOOK_SIGNATURE_INVALID: {
    status: 401,
    message: "The webhook delivery is not signed with the app's webhook secret",
  },
  WEBHOOK_NOT_FOUND: { status: 404, message: 'No such webhook' },
  // custom domains and certificates
  DOMAIN_INVALID: {
    status: 400,
    message:
      'The host is not a domain Berth can serve: lower-case, no port, IDN as punycode, `*.` for one label only',
  },
  DOMAIN_RESERVED: {
    status: 409,
    message:
      "The host belongs to the platform itself (the console or apps origin, or an app's own host name)",
  },
  DOMAIN_TAKEN: { status: 409, message: 'The host is bound to an app already' },
  DOMAIN_NOT_FOUND: { status: 404, message: 'No such domain' },
  CERT_INVALID_PEM: { status: 400, message: 'The certificate or key is not PEM that can be read' },
  CERT_KEY_ENCRYPTED: { status: 400, message: 'The private key is encrypted: upload it unencrypted' },
  CERT_KEY_MISMATCH: { status: 400, message: 'The private key does not belong to the leaf certificate' },
  CERT_CHAIN_INVALID: {
    status: 400,
    message: 'The certificates do not form a chain: each must be issued and signed by the next',
  },
  CERT_EXPIRED: { status: 400, message: 'The certificate (or one in its chain) has expired' },
  CERT_NOT_YET_VALID: { status: 400, message: 'The certificate (or one in its chain) is not valid yet' },
  CERT_NO_NAMES: {
    status: 400,
    message: 'The certificate names no DNS host (subjectAltName or common name)',
  },
  CERTIFICATE_NOT_FOUND: { status: 404, message: 'No such certificate' },
  ACME_DISABLED: { status: 409, message: 'ACME is not configured on this berthd (BERTH_ACME_DIRECTORY)' },
  ACME_WILDCARD_UNSUPPORTED: {
    status: 409,
    message: 'ACME HTTP-01 cannot issue wildcard certificates: upload one instead',
  },
  ACME_ORDER_FAILED: {
    status: 502,
    message: "The ACME CA did not issue the certificate; the job's log says why",
    async: true,
  },
  // engine (deploys, releases, instances)
  DEPLOY_NOT_FOUND: { status: 404, message: 'No such deploy' },
  APPROVAL_REQUIRED: {
    status: 403,
    message: "This environment's deploys and rollbacks need approval: file a deploy request",
  },
  REQUEST_NOT_PENDING: {
    status: 409,
    message: 'The deploy request has been decided already, or is not a request',
  },
  SELF_APPROVAL_FORBIDDEN: {
    status: 403,
    message: 'You cannot decide your own deploy request: another approver must',
  },
  REQUEST_WINDOW_MISSED: {
    status: 409,
    message: 'The deploy request was not started within its window',
    async: true,
  },
  DEPLOY_FAILED: { status: 500, message: 'The deploy failed; its log says why', async: true },
  HEALTH_CHECK_FAILED: {
    status: 422,
    message:
      'A new instance did not pass its health check in time; the deploy log has its last lines and answer',
    async: true,
  },
  RELEASE_COMMAND_FAILED: {
    status: 422,
    message: "The release's release command failed; the deploy log has its output",
    async: true,
  },
  RELEASE_NOT_FOUND: { status: 404, message: 'No such release in this environment', async: true },
  NO_CURRENT_RELEASE: {
    status: 409,
    message: 'The environment has no current release yet; deploy a package first',
    async: true,
  },
  RELEASE_PRUNED: {
    status: 409,
    message: "The release's artifact was pruned (only the last BERTH_KEEP_RELEASES are kept)",
    async: true,
  },
  RELEASE_ARTIFACT_MISSING: {
    status: 409,
    message:
      "The release's artifact is not on this berthd replica and no image of it was published; deploy its source again",
    async: true,
  },
  PROCESS_TYPE_UNKNOWN: { status: 400, message: 'The current release has no such process type', async: true },
  INSTANCE_CRASHED: {
    status: 422,
    message: 'A new instance exited or crashed before it was healthy; its last lines are in the deploy log',
    async: true,
  },
  INSTANCE_LIMIT_EXCEEDED: {
    status: 422,
    message:
      "That is more instances than the app's ceiling allows; an admin can raise it (berth apps limits)",
    async: true,
  },
  RUNS_LIMIT: {
    status: 429,
    message: 'The app has as many one-off runs going as it may (BERTH_RUNS_PER_APP); wait for one to end',
  },
  // API gateway (calls between apps)
  APIGW_YAML_INVALID: {
    status: 400,
    message: 'A system file is not valid: the error names the file, line and field',
  },
  APIGW_SYSTEM_NOT_FOUND: { status: 404, message: 'No such API gateway system' },
  APIGW_SYSTEM_RESERVED: {
    status: 409,
    message: 'The system berth is built into berthd: it is not declared, changed, exported or removed',
  },
  APIGW_COMPONENT_NOT_FOUND: {
    status: 404,
    message: 'No API gateway component answers this path and method',
  },
  APIGW_APP_AUTH_FAILED: {
    status: 401,
    message: 'The calling app is not authenticated: give its code and secret, or sign the request',
  },
  APIGW_SIGNATURE_INVALID: { status: 401, message: "The request's signature does not match it" },
  APIGW_NONCE_REPLAYED: {
    status: 401,
    message: 'The nonce was used already: each signed call needs a new one',
  },
  APIGW_TIMESTAMP_STALE: {
    status: 401,
    message: "The signed call's timestamp is more than 300 s from the server's clock",
  },
  APIGW_USER_AUTH_FAILED: { status: 401, message: 'The user is not authenticated for this call' },
  APIGW_PERMISSION_DENIED: {
    status: 403,
    message: 'The calling app has no permission to call this component',
  },
  APIGW_PERMISSION_EXPIRED: {
    status: 403,
    message: "The calling app's permission for this component has expired",
  },
  APIGW_RATE_LIMITED: {
    status: 429,
    message: "The calling app has used this component's rate limit; retry after the time in Retry-After",
  },
  APIGW_DEST_UNAVAILABLE: { status: 503, message: "The component's destination app has no healthy instance" },
  APIGW_DEST_TIMEOUT: {
    status: 504,
    message: "The component's destination did not answer within the component's timeout",
  },
  APIGW_GRANT_NOT_FOUND: { status: 404, message: 'No such API gateway grant' },
  APIGW_REQUEST_NOT_FOUND: { status: 404, message: 'No such API gateway permission request' },
  APIGW_REQUEST_PENDING: {
    status: 409,
    message: 'This app has an open permission request for this already: wait for its decision or withdraw it',
  },
  APIGW_REQUEST_DECIDED: {
    status: 409,
    message: 'The permission request was decided or withdrawn already',
  },
  // notifications
  CHANNEL_NOT_FOUND: { status: 404, message: 'No such notification channel' },
  CHANNEL_NAME_TAKEN: { status: 409, message: 'A notification channel with this name exists already' },
  NOTIFY_SEND_FAILED: {
    status: 502,
    message: "The notification could not be delivered; the delivery's last error says why",
    async: true,
  },
  // platform
  SECRET_UNREADABLE: {
    status: 500,
    message: 'A stored secret cannot be decrypted (was the secret key changed?)',
    async: true,
  },
  STORE_UNAVAILABLE: { status: 503, message: 'The store is not reachable', async: true },
  CLI_PACKAGE_MISSING: {
    status: 404,
    message: 'This berthd has no CLI package to serve: build it (npm run build) or set BERTH_CLI_PACKAGE',
  },
  CONSOLE_MISSING: {
    status: 503,
    message: 'This berthd has no web console to serve: build it (npm run build) or set BERTH_CONSOLE_DIR',
  },
  INTERNAL: { status: 500, message: 'Internal error', async: true },
} as const satisfies Record<CatalogueCode, { status: number; message: string; async?: true }>;

export type ErrorCode = keyof typeof ERRORS;

/** The codes that may arrive asynchronously, as a failed deploy's or job's `error.code`
 *  (marked "async" in docs/errors.md). */
export const ASYNC_ERROR_CODES: readonly ErrorCode[] = (Object.keys(ERRORS) as ErrorCode[]).filter(
  (code) => (ERRORS[code] as { async?: true }).async === true,
);

/** The code a failure is recorded with when a deploy or a job fails: its own when it is a catalogue
 *  code that may arrive asynchronously, else `fallback`. */
export function asyncErrorCode(err: unknown, fallback: 'DEPLOY_FAILED' | 'JOB_FAILED'): ErrorCode {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (ASYNC_ERROR_CODES as readonly string[]).includes(code)
    ? (code as ErrorCode)
    : fallback;
}

export class BerthError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERRORS[code].message);
    this.name = 'BerthError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details;
  }
}

export function isBerthError(err: unknown, code?: ErrorCode): err is BerthError {
  return err instanceof BerthError && (code === undefined || err.code === code);
}
