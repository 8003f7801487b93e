// What the OpenAPI document says of each operation beyond its route's own schema: its operationId
// and the catalogue errors only it answers (the errors every route of its kind shares are added by
// http/openapi.ts). Kept in one table rather than in the route files so that the document's
// contract is read (and reviewed) in one place; a test checks that every route has an entry.
import type { ErrorCode } from '../errors.ts';

export interface OperationDoc {
  /** Stable, camelCase, unique: generated clients name their methods after it. */
  id: string;
  /** Errors this operation answers besides the shared ones (validation, authentication, …). */
  errors?: readonly ErrorCode[];
  /** Only the app credentials (X-Berth-App-Code and X-Berth-App-Secret) authenticate it. */
  appCredentials?: true;
  /** The request body is a package (.tar.gz or .tar), not JSON. */
  packageBody?: true;
  /** With `follow=true` the answer is a stream of NDJSON lines instead of one JSON object. */
  ndjsonFollow?: true;
}

const APP: readonly ErrorCode[] = ['APP_NOT_FOUND'];
const ENV: readonly ErrorCode[] = ['APP_NOT_FOUND', 'ENV_NOT_FOUND'];
/** Operations on the current release: there must be one. */
const CURRENT: readonly ErrorCode[] = [...ENV, 'NO_CURRENT_RELEASE'];

/** Keyed by `METHOD /path` as the route is registered (`:param`). */
export const OPERATIONS: Readonly<Record<string, OperationDoc>> = {
  'GET /healthz': { id: 'getHealth' },
  'GET /api/v1/platform/status': { id: 'getPlatformStatus' },
  'GET /api/v1/nodes': { id: 'listNodes' },
  'GET /api/v1/metrics': { id: 'getMetrics' },
  // identity
  'POST /api/v1/auth/login': {
    id: 'login',
    errors: ['INVALID_CREDENTIALS', 'USER_DISABLED', 'LOGIN_RATE_LIMITED', 'LOGIN_BUSY'],
  },
  'POST /api/v1/auth/logout': { id: 'logout' },
  'GET /api/v1/auth/app-login': { id: 'startAppLogin', errors: ['NEXT_URL_REFUSED'] },
  'POST /api/v1/auth/app-user': {
    id: 'redeemAppTicket',
    appCredentials: true,
    errors: ['APP_AUTH_FAILED', 'TICKET_INVALID', 'TICKET_EXPIRED', 'TICKET_USED'],
  },
  'GET /api/v1/me': { id: 'getMe' },
  'PUT /api/v1/me/password': { id: 'changeMyPassword', errors: ['INVALID_CREDENTIALS', 'WEAK_PASSWORD'] },
  'GET /api/v1/me/tokens': { id: 'listMyTokens' },
  'POST /api/v1/me/tokens': { id: 'createMyToken' },
  'DELETE /api/v1/me/tokens/:id': { id: 'revokeMyToken', errors: ['API_TOKEN_NOT_FOUND'] },
  'GET /api/v1/tokens': { id: 'listTokens' },
  'DELETE /api/v1/tokens/:id': { id: 'revokeToken', errors: ['API_TOKEN_NOT_FOUND'] },
  'GET /api/v1/users': { id: 'listUsers' },
  'POST /api/v1/users': { id: 'createUser', errors: ['USERNAME_TAKEN', 'WEAK_PASSWORD'] },
  'GET /api/v1/users/:username': { id: 'getUser', errors: ['USER_NOT_FOUND'] },
  'PATCH /api/v1/users/:username': {
    id: 'updateUser',
    errors: ['USER_NOT_FOUND', 'LAST_ADMIN', 'WEAK_PASSWORD'],
  },
  'DELETE /api/v1/users/:username': { id: 'deleteUser', errors: ['USER_NOT_FOUND', 'LAST_ADMIN'] },
  'GET /api/v1/audit': { id: 'listAuditEvents' },
  // apps
  'GET /api/v1/apps': { id: 'listApps' },
  'POST /api/v1/apps': { id: 'createApp', errors: ['APP_CODE_TAKEN', 'APP_CODE_RESERVED'] },
  'GET /api/v1/apps/:code': { id: 'getApp', errors: APP },
  'PATCH /api/v1/apps/:code': { id: 'updateApp', errors: [...APP, 'PLACEMENT_INVALID'] },
  'DELETE /api/v1/apps/:code': { id: 'deleteApp', errors: APP },
  'GET /api/v1/apps/:code/secret': { id: 'getAppSecret', errors: APP },
  'POST /api/v1/apps/:code/secret/rotate': { id: 'rotateAppSecret', errors: APP },
  'GET /api/v1/apps/:code/limits': { id: 'getAppLimits', errors: APP },
  'PUT /api/v1/apps/:code/limits': { id: 'setAppLimits', errors: APP },
  'GET /api/v1/apps/:code/members': { id: 'listAppMembers', errors: APP },
  'POST /api/v1/apps/:code/members': { id: 'addAppMember', errors: APP },
  'DELETE /api/v1/apps/:code/members/:username': {
    id: 'removeAppMember',
    errors: [...APP, 'MEMBER_NOT_FOUND'],
  },
  // config
  'GET /api/v1/apps/:code/envs': { id: 'listAppEnvs', errors: APP },
  'GET /api/v1/apps/:code/envs/:env/config': { id: 'listConfigVars', errors: ENV },
  'PATCH /api/v1/apps/:code/envs/:env/config': {
    id: 'updateConfigVars',
    errors: [...ENV, 'CONFIG_KEY_RESERVED', 'CONFIG_TOO_LARGE'],
  },
  'GET /api/v1/apps/:code/envs/:env/config/:name': {
    id: 'getConfigVar',
    errors: [...ENV, 'CONFIG_VAR_NOT_FOUND'],
  },
  // jobs
  'GET /api/v1/jobs': { id: 'listJobs' },
  'GET /api/v1/jobs/:id': { id: 'getJob', errors: ['JOB_NOT_FOUND'] },
  'GET /api/v1/jobs/:id/logs': { id: 'getJobLogs', errors: ['JOB_NOT_FOUND'] },
  'POST /api/v1/jobs/:id/cancel': { id: 'cancelJob', errors: ['JOB_NOT_FOUND', 'JOB_NOT_CANCELLABLE'] },
  'GET /api/v1/schedules': { id: 'listSchedules' },
  // deploys
  'POST /api/v1/apps/:code/envs/:env/deploys': {
    id: 'createDeploy',
    packageBody: true,
    errors: [...ENV, 'APPROVAL_REQUIRED', 'PACKAGE_INVALID', 'PAYLOAD_TOO_LARGE'],
  },
  'GET /api/v1/apps/:code/envs/:env/deploys': { id: 'listDeploys', errors: ENV },
  'GET /api/v1/deploys/:id': { id: 'getDeploy', errors: ['DEPLOY_NOT_FOUND'] },
  'GET /api/v1/deploys/:id/logs': { id: 'getDeployLogs', errors: ['DEPLOY_NOT_FOUND'] },
  'POST /api/v1/deploys/:id/cancel': {
    id: 'cancelDeploy',
    errors: ['DEPLOY_NOT_FOUND', 'JOB_NOT_CANCELLABLE'],
  },
  'GET /api/v1/apps/:code/envs/:env/releases': { id: 'listReleases', errors: ENV },
  'POST /api/v1/apps/:code/envs/:env/rollback': {
    id: 'rollback',
    errors: [...CURRENT, 'APPROVAL_REQUIRED', 'RELEASE_NOT_FOUND', 'RELEASE_PRUNED'],
  },
  'POST /api/v1/apps/:code/promote': {
    id: 'promote',
    errors: [...APP, 'APPROVAL_REQUIRED', 'NO_CURRENT_RELEASE', 'RELEASE_PRUNED'],
  },
  // deploy requests and permissions
  'POST /api/v1/apps/:code/envs/:env/requests': {
    id: 'fileDeployRequest',
    errors: [...ENV, 'NO_CURRENT_RELEASE', 'RELEASE_NOT_FOUND', 'RELEASE_PRUNED'],
  },
  'POST /api/v1/apps/:code/envs/:env/requests/package': {
    id: 'filePackageDeployRequest',
    packageBody: true,
    errors: [...ENV, 'PAYLOAD_TOO_LARGE'],
  },
  'GET /api/v1/requests': { id: 'listDeployRequests', errors: APP },
  'GET /api/v1/requests/:id': {
    id: 'getDeployRequest',
    errors: ['DEPLOY_NOT_FOUND', 'REQUEST_NOT_PENDING'],
  },
  'POST /api/v1/requests/:id/approve': {
    id: 'approveDeployRequest',
    errors: ['DEPLOY_NOT_FOUND', 'REQUEST_NOT_PENDING', 'SELF_APPROVAL_FORBIDDEN'],
  },
  'POST /api/v1/requests/:id/refuse': {
    id: 'refuseDeployRequest',
    errors: ['DEPLOY_NOT_FOUND', 'REQUEST_NOT_PENDING', 'SELF_APPROVAL_FORBIDDEN'],
  },
  'POST /api/v1/requests/:id/withdraw': {
    id: 'withdrawDeployRequest',
    errors: ['DEPLOY_NOT_FOUND', 'REQUEST_NOT_PENDING'],
  },
  'GET /api/v1/apps/:code/permissions': { id: 'getAppPermissions', errors: APP },
  'GET /api/v1/apps/:code/envs/:env/policy': { id: 'getEnvPolicy', errors: ENV },
  'PUT /api/v1/apps/:code/envs/:env/policy': { id: 'setEnvPolicy', errors: ENV },
  'POST /api/v1/apps/:code/envs/:env/restart': { id: 'restartEnv', errors: CURRENT },
  'POST /api/v1/apps/:code/envs/:env/run': {
    id: 'runCommand',
    errors: [...CURRENT, 'RELEASE_PRUNED', 'RELEASE_ARTIFACT_MISSING', 'RUNS_LIMIT'],
  },
  'PUT /api/v1/apps/:code/envs/:env/formation': {
    id: 'scale',
    errors: [...CURRENT, 'PROCESS_TYPE_UNKNOWN', 'INSTANCE_LIMIT_EXCEEDED'],
  },
  'POST /api/v1/apps/:code/envs/:env/stop': { id: 'stopEnv', errors: ENV },
  'POST /api/v1/apps/:code/envs/:env/start': {
    id: 'startEnv',
    errors: [...CURRENT, 'INSTANCE_LIMIT_EXCEEDED'],
  },
  'GET /api/v1/apps/:code/envs/:env/instances': { id: 'listInstances', errors: ENV },
  'GET /api/v1/apps/:code/traffic': { id: 'getAppTraffic', errors: APP },
  'GET /api/v1/apps/:code/envs/:env/logs': {
    id: 'getAppLogs',
    errors: [...ENV, 'LOG_STREAMS_LIMIT'],
    ndjsonFollow: true,
  },
  // notifications
  'GET /api/v1/channels': { id: 'listChannels' },
  'POST /api/v1/channels': { id: 'createChannel', errors: ['CHANNEL_NAME_TAKEN'] },
  'GET /api/v1/channels/:id': { id: 'getChannel', errors: ['CHANNEL_NOT_FOUND'] },
  'PATCH /api/v1/channels/:id': { id: 'updateChannel', errors: ['CHANNEL_NOT_FOUND', 'CHANNEL_NAME_TAKEN'] },
  'DELETE /api/v1/channels/:id': { id: 'deleteChannel', errors: ['CHANNEL_NOT_FOUND'] },
  'POST /api/v1/channels/:id/test': { id: 'testChannel', errors: ['CHANNEL_NOT_FOUND'] },
  'GET /api/v1/channels/:id/deliveries': { id: 'listChannelDeliveries', errors: ['CHANNEL_NOT_FOUND'] },
  'GET /api/v1/apps/:code/subscriptions': { id: 'listSubscriptions', errors: APP },
  'PUT /api/v1/apps/:code/subscriptions/:channelId': {
    id: 'subscribe',
    errors: [...APP, 'CHANNEL_NOT_FOUND'],
  },
  'DELETE /api/v1/apps/:code/subscriptions/:channelId': {
    id: 'unsubscribe',
    errors: [...APP, 'CHANNEL_NOT_FOUND'],
  },
  'GET /api/v1/apps/:code/deliveries': { id: 'listAppDeliveries', errors: APP },
  // sources
  'POST /api/v1/apps/:code/envs/:env/deploys/git': {
    id: 'deployGitRef',
    errors: [
      ...ENV,
      'APPROVAL_REQUIRED',
      'IDEMPOTENCY_KEY_REUSED',
      'GIT_REF_INVALID',
      'GIT_REF_NOT_FOUND',
      'SOURCE_NOT_CONFIGURED',
    ],
  },
  'POST /api/v1/apps/:code/envs/:env/deploys/image': {
    id: 'deployImage',
    errors: [
      ...ENV,
      'APPROVAL_REQUIRED',
      'IDEMPOTENCY_KEY_REUSED',
      'IMAGE_REGISTRY_NOT_ALLOWED',
      'IMAGE_DEPLOY_UNSUPPORTED',
    ],
  },
  'GET /api/v1/apps/:code/builds': { id: 'listBuilds', errors: APP },
  'GET /api/v1/apps/:code/source': { id: 'getSource', errors: APP },
  'PUT /api/v1/apps/:code/source': {
    id: 'updateSource',
    errors: [...APP, 'GIT_REF_INVALID', 'SOURCE_NOT_CONFIGURED'],
  },
  'PUT /api/v1/apps/:code/source/pin': { id: 'pinManifest', errors: [...APP, 'MANIFEST_INVALID'] },
  'DELETE /api/v1/apps/:code/source/pin': { id: 'unpinManifest', errors: APP },
  'GET /api/v1/apps/:code/git': { id: 'getGitRemote', errors: APP },
  // custom domains and certificates
  'GET /api/v1/domains': { id: 'listDomains' },
  'POST /api/v1/domains': {
    id: 'addDomain',
    errors: [
      ...APP,
      'DOMAIN_INVALID',
      'DOMAIN_RESERVED',
      'DOMAIN_TAKEN',
      'ACME_DISABLED',
      'ACME_WILDCARD_UNSUPPORTED',
    ],
  },
  'GET /api/v1/domains/:host': { id: 'getDomain', errors: ['DOMAIN_NOT_FOUND'] },
  'PATCH /api/v1/domains/:host': {
    id: 'updateDomain',
    errors: ['DOMAIN_NOT_FOUND', 'ACME_DISABLED', 'ACME_WILDCARD_UNSUPPORTED'],
  },
  'DELETE /api/v1/domains/:host': { id: 'removeDomain', errors: ['DOMAIN_NOT_FOUND'] },
  'POST /api/v1/domains/:host/acme': {
    id: 'orderAcmeCertificate',
    errors: ['DOMAIN_NOT_FOUND', 'ACME_DISABLED', 'ACME_WILDCARD_UNSUPPORTED'],
  },
  'GET /api/v1/certificates': { id: 'listCertificates' },
  'POST /api/v1/certificates': {
    id: 'uploadCertificate',
    errors: [
      'CERT_INVALID_PEM',
      'CERT_KEY_ENCRYPTED',
      'CERT_KEY_MISMATCH',
      'CERT_CHAIN_INVALID',
      'CERT_EXPIRED',
      'CERT_NOT_YET_VALID',
      'CERT_NO_NAMES',
    ],
  },
  'GET /api/v1/certificates/:id': { id: 'getCertificate', errors: ['CERTIFICATE_NOT_FOUND'] },
  'DELETE /api/v1/certificates/:id': { id: 'removeCertificate', errors: ['CERTIFICATE_NOT_FOUND'] },
  // the API gateway's declarations (apigw/)
  'POST /api/v1/apigw/sync': { id: 'syncApigw', errors: ['APIGW_YAML_INVALID'] },
  'GET /api/v1/apigw/export': { id: 'exportApigw' },
  'GET /api/v1/apigw/systems': { id: 'listApigwSystems' },
  'GET /api/v1/apigw/systems/:name': { id: 'getApigwSystem', errors: ['APIGW_SYSTEM_NOT_FOUND'] },
  'GET /api/v1/apigw/systems/:name/openapi.json': {
    id: 'getApigwSystemOpenApi',
    errors: ['APIGW_SYSTEM_NOT_FOUND'],
  },
  'PUT /api/v1/apigw/systems/:name': { id: 'putApigwSystem', errors: ['APIGW_YAML_INVALID'] },
  'DELETE /api/v1/apigw/systems/:name': { id: 'removeApigwSystem', errors: ['APIGW_SYSTEM_NOT_FOUND'] },
  'GET /api/v1/apigw/components': { id: 'listApigwComponents', errors: ['APIGW_SYSTEM_NOT_FOUND'] },
  // API gateway grants and trusted apps (apigw/grant-routes.ts)
  'GET /api/v1/apigw/grants': { id: 'listApigwGrants' },
  'POST /api/v1/apigw/grants': { id: 'grantApigwAccess', errors: APP },
  'DELETE /api/v1/apigw/grants/:id': { id: 'revokeApigwGrant', errors: ['APIGW_GRANT_NOT_FOUND'] },
  'GET /api/v1/apigw/trusted-apps': { id: 'listApigwTrustedApps' },
  'PUT /api/v1/apigw/trusted-apps/:app': { id: 'trustApigwApp', errors: APP },
  'DELETE /api/v1/apigw/trusted-apps/:app': { id: 'untrustApigwApp' },
  // API gateway permission requests (apigw/permission-requests.ts)
  'GET /api/v1/apigw/permission-requests': { id: 'listApigwPermissionRequests' },
  'POST /api/v1/apigw/permission-requests': {
    id: 'requestApigwPermission',
    errors: [...APP, 'APIGW_SYSTEM_NOT_FOUND', 'APIGW_COMPONENT_NOT_FOUND', 'APIGW_REQUEST_PENDING'],
  },
  'GET /api/v1/apigw/permission-requests/:id': {
    id: 'getApigwPermissionRequest',
    errors: ['APIGW_REQUEST_NOT_FOUND'],
  },
  'POST /api/v1/apigw/permission-requests/:id/approve': {
    id: 'approveApigwPermissionRequest',
    errors: [
      'APIGW_REQUEST_NOT_FOUND',
      'APIGW_REQUEST_DECIDED',
      'APIGW_SYSTEM_NOT_FOUND',
      'APIGW_COMPONENT_NOT_FOUND',
    ],
  },
  'POST /api/v1/apigw/permission-requests/:id/refuse': {
    id: 'refuseApigwPermissionRequest',
    errors: ['APIGW_REQUEST_NOT_FOUND', 'APIGW_REQUEST_DECIDED'],
  },
  'POST /api/v1/apigw/permission-requests/:id/withdraw': {
    id: 'withdrawApigwPermissionRequest',
    errors: ['APIGW_REQUEST_NOT_FOUND', 'APIGW_REQUEST_DECIDED'],
  },
  // webhooks
  'GET /api/v1/apps/:code/webhook': { id: 'getWebhook', errors: APP },
  'POST /api/v1/apps/:code/webhook/rotate': { id: 'rotateWebhookSecret', errors: APP },
  'GET /api/v1/apps/:code/webhook/deliveries': { id: 'listWebhookDeliveries', errors: APP },
  'POST /api/v1/hooks/:code': {
    id: 'receiveWebhook',
    // Besides these, whatever the deploy trigger answers for a push it cannot start.
    errors: ['WEBHOOK_NOT_FOUND', 'WEBHOOK_SIGNATURE_INVALID', 'GIT_REF_INVALID'],
  },
  // API gateway call records
  'GET /api/v1/apigw/records': { id: 'listApigwRecords' },
};
