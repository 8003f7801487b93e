// What every error code means, in the console's languages: the catalogue's codes (ERROR_CODES of
// @berth/sdk, kept equal to berthd's catalogue by a server test) and the three the API client makes
// up itself when no catalogue answer arrived. `satisfies` makes a missing or unknown code a type
// error; test/i18n-coverage.test.ts checks it again at run time.
import type { ErrorCode } from '@berth/sdk/error-codes';
import type { Locale } from './locale.ts';

export const CLIENT_ERROR_CODES = ['NETWORK_ERROR', 'HTTP_ERROR', 'BAD_RESPONSE'] as const;
export type KnownErrorCode = ErrorCode | (typeof CLIENT_ERROR_CODES)[number];

const en = {
  NETWORK_ERROR: 'Berth cannot be reached: check the network, or whether berthd is running',
  HTTP_ERROR: 'The server answered with an error that did not come from Berth (a proxy in between?)',
  BAD_RESPONSE: "The server's answer could not be read",
  BAD_JSON: 'The request body is not valid JSON',
  VALIDATION_FAILED: 'The request does not match the expected schema',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'The request body has an unsupported content type',
  ROUTE_NOT_FOUND: 'No such API route',
  METHOD_NOT_ALLOWED: 'The method is not allowed on this route',
  IDEMPOTENCY_KEY_REUSED:
    'This Idempotency-Key was used for another request in the last 24 hours; send a new key',
  INVALID_CURSOR: 'cursor is not a nextCursor this list returned',
  UNAUTHENTICATED: 'Log in or send an API token',
  INVALID_CREDENTIALS: 'Wrong username or password',
  LOGIN_RATE_LIMITED: 'Too many failed logins; try again later',
  LOGIN_BUSY: 'Too many logins are being checked right now; try again in a moment',
  PASSWORD_CHANGE_REQUIRED:
    'Change your password first (PUT /api/v1/me/password); until then only that, GET /api/v1/me and logout work',
  TOKEN_INVALID: 'The token is not valid',
  TOKEN_EXPIRED: 'The token has expired',
  TOKEN_REVOKED: 'The token has been revoked',
  APP_AUTH_FAILED: 'Wrong app code or app secret',
  FORBIDDEN: 'Your role does not allow this',
  CSRF_REFUSED:
    "A change made with the session cookie must come from the console's own origin, with a JSON body",
  NEXT_URL_REFUSED: "next must point at the app environment's own address on the apps origin",
  TICKET_INVALID: 'The login ticket is unknown or not for this app and environment',
  TICKET_EXPIRED: 'The login ticket has expired; send the user through app-login again',
  TICKET_USED: 'The login ticket was redeemed already',
  USER_NOT_FOUND: 'No such user',
  USERNAME_TAKEN: 'A user with this username exists already',
  USER_DISABLED: 'This user is disabled',
  WEAK_PASSWORD: 'The password is too weak',
  LAST_ADMIN: 'The last active admin cannot be removed, disabled or demoted',
  API_TOKEN_NOT_FOUND: 'No such API token',
  APP_NOT_FOUND: 'No such app',
  APP_CODE_TAKEN: 'An app with this code exists already',
  ENV_NOT_FOUND: 'No such environment (use stag or prod)',
  CONFIG_VAR_NOT_FOUND: 'No such config var',
  CONFIG_KEY_RESERVED: 'PORT and config var names starting with BERTH_ are set by the platform',
  MEMBER_NOT_FOUND: 'This user is not a developer of the app',
  APP_CODE_RESERVED: 'This app code is reserved for the platform',
  CONFIG_TOO_LARGE: 'Config vars are limited to 32 KiB per value and 500 per environment',
  JOB_NOT_FOUND: 'No such job',
  JOB_NOT_CANCELLABLE: 'The job has finished and cannot be cancelled',
  JOB_FAILED: 'The job failed; its log says why',
  JOB_WORKER_LOST: 'The berthd running the job stopped before it finished, too many times',
  LOG_STREAMS_LIMIT: 'You have too many log streams open; close one before following another',
  PACKAGE_INVALID: 'The package is not a valid .tar.gz or .tar archive',
  PACKAGE_PATH_UNSAFE: 'The package has an entry with an unsafe path',
  PACKAGE_LINK_UNSAFE: 'The package has a link pointing outside it, or an entry written through a link',
  PACKAGE_ENTRY_FORBIDDEN: 'The package has an entry type that is not allowed (device, FIFO, sparse file)',
  PACKAGE_PATH_CONFLICT: 'The package has duplicate or conflicting entries',
  PACKAGE_TOO_LARGE: 'The package unpacks to more bytes than allowed',
  PACKAGE_TOO_MANY_FILES: 'The package has more entries than allowed',
  PACKAGE_RATIO_EXCEEDED: 'The package inflates far more than real archives do (a compression bomb?)',
  GATEWAY_NO_ROUTE: 'No app is served at this address',
  GATEWAY_BAD_REQUEST: 'The request cannot be forwarded to the app',
  GATEWAY_NO_UPSTREAM: 'The app has no healthy instance right now',
  GATEWAY_BAD_UPSTREAM: "The app's instance refused or dropped the connection",
  GATEWAY_TIMEOUT: 'The app did not answer in time',
  MANIFEST_INVALID: 'The app manifest is not valid',
  MANIFEST_COMMAND_UNSAFE:
    'A command uses shell features; write it as ["sh", "-c", "…"] if you really want a shell',
  APP_UNDETECTABLE: 'Cannot tell how to build and run this app: add a berth.yaml (see docs/app-manifest.md)',
  BUILD_FAILED: 'The build failed',
  BUILD_TIMEOUT: 'The build took longer than allowed',
  BUILD_IMAGE_FAILED: 'The image could not be built from the Dockerfile',
  RUNTIME_SPEC_INVALID: 'The instance spec is not valid',
  RUNTIME_INSTANCE_EXISTS: 'An instance with this id exists already',
  RUNTIME_INSTANCE_NOT_FOUND: 'No such instance',
  RUNTIME_START_FAILED: 'The instance could not be started (is the command installed and executable?)',
  RUNTIME_NO_PORT: 'No free port is left for the instance',
  RUNTIME_CLOSED: 'The runtime driver is shut down',
  DOCKER_UNAVAILABLE: 'The Docker engine is not reachable',
  STACK_IMAGE_BUILD_FAILED: 'The stack image could not be built',
  DEPLOY_NOT_FOUND: 'No such deploy',
  DEPLOY_FAILED: 'The deploy failed; its log says why',
  HEALTH_CHECK_FAILED:
    'A new instance did not pass its health check in time; the deploy log has its last lines and answer',
  RELEASE_COMMAND_FAILED: "The release's release command failed; the deploy log has its output",
  RELEASE_NOT_FOUND: 'No such release in this environment',
  NO_CURRENT_RELEASE: 'The environment has no current release yet; deploy a package first',
  RELEASE_PRUNED: "The release's artifact was pruned (only the last BERTH_KEEP_RELEASES are kept)",
  PROCESS_TYPE_UNKNOWN: 'The current release has no such process type',
  INSTANCE_CRASHED:
    'A new instance exited or crashed before it was healthy; its last lines are in the deploy log',
  INSTANCE_LIMIT_EXCEEDED:
    "That is more instances than the app's ceiling allows; an admin can raise it (berth apps limits)",
  RUNS_LIMIT: 'The app has as many one-off runs going as it may (BERTH_RUNS_PER_APP); wait for one to end',
  SECRET_UNREADABLE: 'A stored secret cannot be decrypted (was the secret key changed?)',
  STORE_UNAVAILABLE: 'The store is not reachable',
  CONSOLE_MISSING:
    'This berthd has no web console to serve: build it (npm run build) or set BERTH_CONSOLE_DIR',
  CLI_PACKAGE_MISSING:
    'This berthd has no CLI package to serve: build it (npm run build) or set BERTH_CLI_PACKAGE',
  INTERNAL: 'Internal error',
} satisfies Record<KnownErrorCode, string>;

// TODO(zh-CN): translated by the i18n pass; English until then.
const zhCN: Record<KnownErrorCode, string> = { ...en };

export const ERROR_MESSAGES: { readonly [L in Locale]: Readonly<Record<KnownErrorCode, string>> } = {
  en,
  'zh-CN': zhCN,
};
