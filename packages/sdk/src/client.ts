// The typed client of Berth's REST API, used by the CLI and the web console. Browser-safe: only the
// global `fetch` (or one passed in), no Node.js modules. One method per endpoint; every method
// resolves to the API's JSON body as is, and every failure rejects with a `BerthApiError`.
import { BAD_RESPONSE, BerthApiError, errorFromResponse, networkError } from './client/api-error.ts';
import type {
  ApigwComponentListResponse,
  ApigwComponentQuery,
  ApigwExportResponse,
  ApigwSyncBody,
  ApigwSyncResponse,
  ApigwSystemListResponse,
  ApigwSystemPutResponse,
  ApigwSystemResponse,
} from './schemas/apigw.ts';
import type {
  ApigwGrantCreateBody,
  ApigwGrantListQuery,
  ApigwGrantListResponse,
  ApigwGrantResponse,
  ApigwTrustedAppListResponse,
  ApigwTrustedAppResponse,
} from './schemas/apigw-grants.ts';
import type { ApigwRecordsQuery, ApigwRecordsResponse } from './schemas/apigw-records.ts';
import type {
  ApigwPermissionRequestCreateBody,
  ApigwPermissionRequestListQuery,
  ApigwPermissionRequestListResponse,
  ApigwPermissionRequestResponse,
} from './schemas/apigw-requests.ts';
import type {
  AddAppMemberBody,
  App,
  AppEnvListResponse,
  AppLimitsBody,
  AppLimitsResponse,
  AppListQuery,
  AppListResponse,
  AppMemberListResponse,
  AppSecretRotateResponse,
  ConfigChangeResponse,
  ConfigPatchBody,
  ConfigVar,
  ConfigVarListResponse,
  CreateAppBody,
  CreateAppResponse,
  UpdateAppBody,
} from './schemas/apps.ts';
import type { EnvName, Health, PlatformStatus } from './schemas/common.ts';
import type {
  AcmeOrderResponse,
  CertificateListResponse,
  CertificateResponse,
  CertificateUploadBody,
  DomainCreateBody,
  DomainListResponse,
  DomainResponse,
  DomainUpdateBody,
} from './schemas/domains.ts';
import type {
  AppLogLine,
  AppLogsQuery,
  AppLogsResponse,
  DeployListResponse,
  DeployLogsResponse,
  DeployResponse,
  FormationBody,
  InstanceListResponse,
  ReleaseListResponse,
  RequestCreateBody,
  RequestListQuery,
  RollbackBody,
  RunFrame,
} from './schemas/engine.ts';
import type {
  ApiTokenListQuery,
  ApiTokenListResponse,
  AuditListResponse,
  AuditQuery,
  ChangePasswordRequest,
  CreateApiTokenRequest,
  CreateApiTokenResponse,
  CreateUserRequest,
  LoginRequest,
  LoginResponse,
  MeResponse,
  UpdateUserRequest,
  User,
  UserListResponse,
} from './schemas/identity.ts';
import type {
  Job,
  JobListQuery,
  JobListResponse,
  JobLogsResponse,
  ScheduleListResponse,
} from './schemas/jobs.ts';
import type { NodeListResponse } from './schemas/nodes.ts';
import type {
  ChannelListResponse,
  ChannelResponse,
  CreateChannelBody,
  DeliveryListResponse,
  DeliveryResponse,
  SubscriptionBody,
  SubscriptionListResponse,
  SubscriptionResponse,
  UpdateChannelBody,
} from './schemas/notify.ts';
import type { PageQuery } from './schemas/page.ts';
import type { AppPermissionsResponse, EnvPolicyBody, EnvPolicyResponse } from './schemas/permissions.ts';
import type {
  BuildListResponse,
  GitDeployBody,
  GitRemote,
  ImageDeployBody,
  ManifestPinBody,
  SourceSettingsResponse,
  SourceSettingsUpdate,
} from './schemas/sources.ts';
import type { AppTraffic } from './schemas/traffic.ts';
import type { Webhook, WebhookDeliveryListResponse, WebhookRotateResponse } from './schemas/webhooks.ts';

export {
  BAD_RESPONSE,
  BerthApiError,
  HTTP_ERROR,
  isBerthApiError,
  NETWORK_ERROR,
} from './client/api-error.ts';
export { allItems, eachItem, type ListPage } from './client/pages.ts';

/**
 * The names of berthd's session cookie: `__Host-berth_session` on an https (or localhost) console,
 * `berth_session` on a plain-http one. A berthd sets and reads one of them.
 */
export const SESSION_COOKIES = ['__Host-berth_session', 'berth_session'] as const;

/** What `login` resolves to: the API's body plus the session token where it is readable. */
export interface LoginResult extends LoginResponse {
  /**
   * The session token from the session cookie. Set where the response headers expose `Set-Cookie`
   * (Node.js); browsers hide it and keep the cookie themselves.
   */
  sessionToken?: string;
  /** The session cookie's name, with `sessionToken`. */
  sessionCookie?: string;
}

export interface BerthClientOptions {
  /** Where berthd answers, e.g. `https://berth.example.com` (a trailing `/` is ignored). */
  baseUrl: string;
  /** An API token (`berth_…`), sent as `Authorization: Bearer`. */
  token?: string;
  /**
   * A session token, sent as the session cookie. Only where a script may set cookies (Node.js);
   * in a browser leave it out and the browser sends its own cookie.
   */
  sessionToken?: string;
  /** The session cookie's name (from `login`); default `__Host-berth_session`. */
  sessionCookie?: string;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | boolean | undefined>;

/**
 * A request body sent as is: bytes, a Blob, a web ReadableStream, or any async iterable of bytes
 * (a Node.js `Readable` is one).
 */
export type UploadBody = Uint8Array | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** Makes a deploy, promote, rollback or scale safe to retry: see `IdempotencyHeadersSchema`. */
export interface IdempotencyOptions {
  idempotencyKey?: string;
}

interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent instead of a JSON `body`, with this content type. */
  raw?: { data: UploadBody; contentType: string };
  query?: Query;
  signal?: AbortSignal;
}

interface RawResponse {
  response: Response;
  text: string;
}

export class BerthClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #sessionToken: string | undefined;
  readonly #sessionCookie: string;
  readonly #fetch: typeof fetch;

  constructor(options: BerthClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#sessionToken = options.sessionToken;
    this.#sessionCookie = options.sessionCookie ?? SESSION_COOKIES[0];
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** A client for the same server that authenticates with another credential. */
  with(credential: { token?: string; sessionToken?: string; sessionCookie?: string }): BerthClient {
    return new BerthClient({ baseUrl: this.baseUrl, fetch: this.#fetch, ...credential });
  }

  // --- platform -----------------------------------------------------------------------------

  /** `GET /healthz`. A degraded berthd answers 503 with the same body; that resolves too. */
  async health(): Promise<Health> {
    const { response, text } = await this.#send('GET', '/healthz', {});
    if (response.ok || response.status === 503) {
      const body = parseJson(response, text) as Health | undefined;
      if (body && typeof body.status === 'string') return body;
    }
    throw errorFromResponse(response.status, response.statusText, text);
  }

  /** `GET /api/v1/platform/status` (admin, operator, auditor): version, store, runtime, gateway
   *  workers, job queue and the data directory's disk use (measured at most once a minute). */
  platformStatus(): Promise<PlatformStatus> {
    return this.#request('GET', '/api/v1/platform/status');
  }

  /** `GET /api/v1/schedules` (admin, operator): the periodic work berthd runs, each with its latest
   *  period's run (which replica ran it, how it ended, whom it was taken over from). */
  listSchedules(): Promise<ScheduleListResponse> {
    return this.#request('GET', '/api/v1/schedules');
  }

  /** `GET /api/v1/nodes` (admin, operator, auditor): the machines app instances run on (a
   *  single-host runtime reports its host as one node). */
  listNodes(): Promise<NodeListResponse> {
    return this.#request('GET', '/api/v1/nodes');
  }

  // --- sessions and the current user --------------------------------------------------------

  /** `POST /api/v1/auth/login`; `sessionToken` is the session cookie's value where readable. */
  async login(body: LoginRequest): Promise<LoginResult> {
    const raw = await this.#send('POST', '/api/v1/auth/login', { body });
    const result = this.#result<LoginResult>(raw);
    for (const name of SESSION_COOKIES) {
      const sessionToken = readSetCookie(raw.response.headers, name);
      if (sessionToken !== undefined) return { ...result, sessionToken, sessionCookie: name };
    }
    return result;
  }

  /** `POST /api/v1/auth/logout`: revokes the credential this client uses. */
  logout(): Promise<void> {
    return this.#request('POST', '/api/v1/auth/logout');
  }

  me(): Promise<MeResponse> {
    return this.#request('GET', '/api/v1/me');
  }

  changePassword(body: ChangePasswordRequest): Promise<void> {
    return this.#request('PUT', '/api/v1/me/password', { body });
  }

  /** One page of my API tokens, newest first (`allItems('tokens', (p) => client.listMyTokens(p))`). */
  listMyTokens(page: PageQuery = {}): Promise<ApiTokenListResponse> {
    return this.#request('GET', '/api/v1/me/tokens', { query: { ...page } });
  }

  createMyToken(body: CreateApiTokenRequest): Promise<CreateApiTokenResponse> {
    return this.#request('POST', '/api/v1/me/tokens', { body });
  }

  revokeMyToken(id: string): Promise<void> {
    return this.#request('DELETE', `/api/v1/me/tokens/${seg(id)}`);
  }

  // --- users and everyone's tokens (admin) --------------------------------------------------

  /** One page of users, by username. */
  listUsers(page: PageQuery = {}): Promise<UserListResponse> {
    return this.#request('GET', '/api/v1/users', { query: { ...page } });
  }

  createUser(body: CreateUserRequest): Promise<{ user: User }> {
    return this.#request('POST', '/api/v1/users', { body });
  }

  getUser(username: string): Promise<{ user: User }> {
    return this.#request('GET', `/api/v1/users/${seg(username)}`);
  }

  updateUser(username: string, body: UpdateUserRequest): Promise<{ user: User }> {
    return this.#request('PATCH', `/api/v1/users/${seg(username)}`, { body });
  }

  deleteUser(username: string): Promise<void> {
    return this.#request('DELETE', `/api/v1/users/${seg(username)}`);
  }

  /** One page of every user's API tokens (or one user's), newest first. */
  listTokens(query: ApiTokenListQuery = {}): Promise<ApiTokenListResponse> {
    return this.#request('GET', '/api/v1/tokens', { query: { ...query } });
  }

  revokeToken(id: string): Promise<void> {
    return this.#request('DELETE', `/api/v1/tokens/${seg(id)}`);
  }

  // --- apps ---------------------------------------------------------------------------------

  /** One page of the apps the caller may read, by code; `q` keeps those whose code or name contains
   *  it (letters in either case). */
  listApps(query: AppListQuery = {}): Promise<AppListResponse> {
    return this.#request('GET', '/api/v1/apps', { query: { ...query } });
  }

  createApp(body: CreateAppBody): Promise<CreateAppResponse> {
    return this.#request('POST', '/api/v1/apps', { body });
  }

  getApp(code: string): Promise<{ app: App }> {
    return this.#request('GET', `/api/v1/apps/${seg(code)}`);
  }

  updateApp(code: string, body: UpdateAppBody): Promise<{ app: App }> {
    return this.#request('PATCH', `/api/v1/apps/${seg(code)}`, { body });
  }

  deleteApp(code: string): Promise<void> {
    return this.#request('DELETE', `/api/v1/apps/${seg(code)}`);
  }

  getAppSecret(code: string): Promise<{ secret: string }> {
    return this.#request('GET', `/api/v1/apps/${seg(code)}/secret`);
  }

  /** Replaces the app secret; the environments that run instances are restarted (`deploys`). */
  rotateAppSecret(code: string): Promise<AppSecretRotateResponse> {
    return this.#request('POST', `/api/v1/apps/${seg(code)}/secret/rotate`);
  }

  getAppLimits(code: string): Promise<AppLimitsResponse> {
    return this.#request('GET', `/api/v1/apps/${seg(code)}/limits`);
  }

  /** Admins only: the app's instance ceiling (`maxInstances: null` returns to the platform default). */
  setAppLimits(code: string, body: AppLimitsBody): Promise<AppLimitsResponse> {
    return this.#request('PUT', `/api/v1/apps/${seg(code)}/limits`, { body });
  }

  /** One page of an app's developers, by username. */
  listMembers(code: string, page: PageQuery = {}): Promise<AppMemberListResponse> {
    return this.#request('GET', `/api/v1/apps/${seg(code)}/members`, { query: { ...page } });
  }

  /** Answers the same whether or not the user exists; `listMembers` shows who is a member. */
  addMember(code: string, body: AddAppMemberBody): Promise<void> {
    return this.#request('POST', `/api/v1/apps/${seg(code)}/members`, { body });
  }

  removeMember(code: string, username: string): Promise<void> {
    return this.#request('DELETE', `/api/v1/apps/${seg(code)}/members/${seg(username)}`);
  }

  listEnvs(code: string, page: PageQuery = {}): Promise<AppEnvListResponse> {
    return this.#request('GET', `/api/v1/apps/${seg(code)}/envs`, { query: { ...page } });
  }

  // --- config vars --------------------------------------------------------------------------

  /** One page of an environment's config vars, by name. */
  getConfig(code: string, env: EnvName, page: PageQuery = {}): Promise<ConfigVarListResponse> {
    return this.#request('GET', `${envPath(code, env)}/config`, { query: { ...page } });
  }

  /** Sets and unsets vars in one atomic change; `deploy` is the config deploy it started. */
  updateConfig(code: string, env: EnvName, change: ConfigPatchBody): Promise<ConfigChangeResponse> {
    return this.#request('PATCH', `${envPath(code, env)}/config`, { body: change });
  }

  getConfigVar(
    code: string,
    env: EnvName,
    name: string,
    options: { reveal?: boolean } = {},
  ): Promise<{ var: ConfigVar }> {
    return this.#request('GET', `${envPath(code, env)}/config/${seg(name)}`, {
      query: { reveal: options.reveal ? true : undefined },
    });
  }

  // --- jobs ---------------------------------------------------------------------------------

  /** One page of jobs, newest first. */
  listJobs(filter: JobListQuery = {}): Promise<JobListResponse> {
    return this.#request('GET', '/api/v1/jobs', { query: { ...filter } });
  }

  getJob(id: string): Promise<{ job: Job }> {
    return this.#request('GET', `/api/v1/jobs/${seg(id)}`);
  }

  /** One page of a job's log lines after line `after` (0: from the start). */
  jobLogs(id: string, options: { after?: number; limit?: number } = {}): Promise<JobLogsResponse> {
    return this.#request('GET', `/api/v1/jobs/${seg(id)}/logs`, { query: { ...options } });
  }

  cancelJob(id: string): Promise<{ job: Job }> {
    return this.#request('POST', `/api/v1/jobs/${seg(id)}/cancel`);
  }

  // --- deploys -------------------------------------------------------------------------------

  /**
   * `POST …/envs/{env}/deploys`: uploads a source package (a `.tar.gz`) and starts a deploy of it.
   */
  uploadDeploy(
    code: string,
    env: EnvName,
    archive: UploadBody,
    options: { description?: string } & IdempotencyOptions = {},
  ): Promise<DeployResponse> {
    return this.#request('POST', `${envPath(code, env)}/deploys`, {
      raw: { data: archive, contentType: 'application/gzip' },
      query: { description: options.description },
      headers: keyHeader(options),
    });
  }

  /** One page of the deploys of an environment, newest first. */
  listDeploys(code: string, env: EnvName, page: PageQuery = {}): Promise<DeployListResponse> {
    return this.#request('GET', `${envPath(code, env)}/deploys`, { query: { ...page } });
  }

  getDeploy(id: string): Promise<DeployResponse> {
    return this.#request('GET', `/api/v1/deploys/${seg(id)}`);
  }

  /** One page of a deploy's log lines after line `after` (0: from the start). */
  deployLogs(id: string, options: { after?: number; limit?: number } = {}): Promise<DeployLogsResponse> {
    return this.#request('GET', `/api/v1/deploys/${seg(id)}/logs`, { query: { ...options } });
  }

  cancelDeploy(id: string): Promise<DeployResponse> {
    return this.#request('POST', `/api/v1/deploys/${seg(id)}/cancel`);
  }

  /** `POST …/envs/{env}/deploys/git`: deploys a branch, tag or commit of the hosted or external repository. */
  deployGit(
    code: string,
    env: EnvName,
    body: GitDeployBody,
    options: IdempotencyOptions = {},
  ): Promise<DeployResponse> {
    return this.#request('POST', `${envPath(code, env)}/deploys/git`, { body, headers: keyHeader(options) });
  }

  /** `POST …/envs/{env}/deploys/image`: deploys a prebuilt image (Docker runtime). */
  deployImage(
    code: string,
    env: EnvName,
    body: ImageDeployBody,
    options: IdempotencyOptions = {},
  ): Promise<DeployResponse> {
    return this.#request('POST', `${envPath(code, env)}/deploys/image`, {
      body,
      headers: keyHeader(options),
    });
  }

  /** One page of the app's builds, newest first. */
  listBuilds(code: string, page: PageQuery = {}): Promise<BuildListResponse> {
    return this.#request('GET', `/api/v1/apps/${seg(code)}/builds`, { query: { ...page } });
  }

  // --- sources --------------------------------------------------------------------------------

  /** The app's source settings: repository, what a push deploys where, the pinned manifest. */
  getSource(code: string): Promise<SourceSettingsResponse> {
    return this.#request('GET', `/api/v1/apps/${seg(code)}/source`);
  }

  /** Changes the source settings; what is left out stays, `external: null` removes the external repository. */
  updateSource(code: string, body: SourceSettingsUpdate): Promise<SourceSettingsResponse> {
    return this.#request('PUT', `/api/v1/apps/${seg(code)}/source`, { body });
  }

  /** Pins the app's manifest (operators and admins). */
  pinManifest(code: string, body: ManifestPinBody): Promise<SourceSettingsResponse> {
    return this.#request('PUT', `/api/v1/apps/${seg(code)}/source/pin`, { body });
  }

  /** Removes the manifest pin (operators and admins). */
  unpinManifest(code: string): Promise<SourceSettingsResponse> {
    return this.#request('DELETE', `/api/v1/apps/${seg(code)}/source/pin`);
  }

  /** The hosted repository's git remote and the user name to push with (the password is an API token). */
  gitRemote(code: string): Promise<GitRemote> {
    return this.#request('GET', `/api/v1/apps/${seg(code)}/git`);
  }

  // --- deploy requests and permissions --------------------------------------------------------

  /** Files a request for a promotion (env `prod`) or a rollback, deployed once approved. */
  fileRequest(code: string, env: EnvName, body: RequestCreateBody): Promise<DeployResponse> {
    return this.#request('POST', `${envPath(code, env)}/requests`, { body });
  }

  /** Files a request to deploy a package (a `.tar.gz`), stored until the request is decided. */
  fileRequestPackage(
    code: string,
    env: EnvName,
    archive: UploadBody,
    options: { note?: string; notBefore?: number; notAfter?: number } = {},
  ): Promise<DeployResponse> {
    return this.#request('POST', `${envPath(code, env)}/requests/package`, {
      raw: { data: archive, contentType: 'application/gzip' },
      query: { note: options.note, notBefore: options.notBefore, notAfter: options.notAfter },
    });
  }

  /** One page of the deploy requests you may see, newest first. */
  listRequests(query: RequestListQuery = {}): Promise<DeployListResponse> {
    return this.#request('GET', '/api/v1/requests', { query: { ...query } });
  }

  getRequest(id: string): Promise<DeployResponse> {
    return this.#request('GET', `/api/v1/requests/${seg(id)}`);
  }

  approveRequest(id: string, reason?: string): Promise<DeployResponse> {
    return this.#request('POST', `/api/v1/requests/${seg(id)}/approve`, { body: reason ? { reason } : {} });
  }

  refuseRequest(id: string, reason: string): Promise<DeployResponse> {
    return this.#request('POST', `/api/v1/requests/${seg(id)}/refuse`, { body: { reason } });
  }

  withdrawRequest(id: string, reason?: string): Promise<DeployResponse> {
    return this.#request('POST', `/api/v1/requests/${seg(id)}/withdraw`, { body: reason ? { reason } : {} });
  }

  /** What you may do with the app, per environment. */
  appPermissions(code: string): Promise<AppPermissionsResponse> {
    return this.#request('GET', `/api/v1/apps/${seg(code)}/permissions`);
  }

  getPolicy(code: string, env: EnvName): Promise<EnvPolicyResponse> {
    return this.#request('GET', `${envPath(code, env)}/policy`);
  }

  setPolicy(code: string, env: EnvName, body: EnvPolicyBody): Promise<EnvPolicyResponse> {
    return this.#request('PUT', `${envPath(code, env)}/policy`, { body });
  }

  // --- releases, formation, instances -------------------------------------------------------

  /** One page of the releases of an environment, newest first. */
  listReleases(code: string, env: EnvName, page: PageQuery = {}): Promise<ReleaseListResponse> {
    return this.#request('GET', `${envPath(code, env)}/releases`, { query: { ...page } });
  }

  /** Deploys an earlier release again: `version`, or the one before the current. */
  rollback(
    code: string,
    env: EnvName,
    body: RollbackBody = {},
    options: IdempotencyOptions = {},
  ): Promise<DeployResponse> {
    return this.#request('POST', `${envPath(code, env)}/rollback`, { body, headers: keyHeader(options) });
  }

  /** Deploys stag's current release to prod. */
  promote(code: string, options: IdempotencyOptions = {}): Promise<DeployResponse> {
    return this.#request('POST', `/api/v1/apps/${seg(code)}/promote`, {
      body: {},
      headers: keyHeader(options),
    });
  }

  /** Replaces every instance of the current release, new ones first. */
  restartEnv(code: string, env: EnvName): Promise<DeployResponse> {
    return this.#request('POST', `${envPath(code, env)}/restart`);
  }

  /** Takes the environment offline; its releases and formation stay. */
  stopEnv(code: string, env: EnvName): Promise<DeployResponse> {
    return this.#request('POST', `${envPath(code, env)}/stop`);
  }

  /** Runs a stopped environment again with its current release. */
  startEnv(code: string, env: EnvName): Promise<DeployResponse> {
    return this.#request('POST', `${envPath(code, env)}/start`);
  }

  /** Sets how many instances of each process type run (the others keep their count). */
  scale(
    code: string,
    env: EnvName,
    body: FormationBody,
    options: IdempotencyOptions = {},
  ): Promise<DeployResponse> {
    return this.#request('PUT', `${envPath(code, env)}/formation`, { body, headers: keyHeader(options) });
  }

  /** One page of the instances of an environment, by process type and index. */
  listInstances(code: string, env: EnvName, page: PageQuery = {}): Promise<InstanceListResponse> {
    return this.#request('GET', `${envPath(code, env)}/instances`, { query: { ...page } });
  }

  /** What the gateway counted of the app's requests per environment since berthd started:
   *  status classes, bytes, latency percentiles. */
  appTraffic(code: string): Promise<AppTraffic> {
    return this.#request('GET', `/api/v1/apps/${seg(code)}/traffic`);
  }

  // --- app logs -----------------------------------------------------------------------------

  /** The app's log lines (its processes' stdout and stderr), filtered. */
  appLogs(code: string, env: EnvName, query: Omit<AppLogsQuery, 'follow'> = {}): Promise<AppLogsResponse> {
    return this.#request('GET', `${envPath(code, env)}/logs`, { query: { ...query } });
  }

  /**
   * `…/logs?follow=true`: yields the app's log lines as they are written, until the server closes
   * the stream or `signal` aborts (which ends the iteration without an error). `onOpen` is called
   * once the server has accepted the request and the stream is open.
   */
  async *followAppLogs(
    code: string,
    env: EnvName,
    query: Omit<AppLogsQuery, 'follow'> = {},
    options: { signal?: AbortSignal; onOpen?: () => void } = {},
  ): AsyncGenerator<AppLogLine> {
    yield* this.#ndjson<AppLogLine>('GET', `${envPath(code, env)}/logs`, {
      query: { ...query, follow: true },
      ...options,
    });
  }

  /**
   * Runs `command` once in the environment's current release (`berth run`) and yields its answer's
   * frames as they come: output (`{stream, data}`), then one `{exit, release}`. Aborting `signal`
   * closes the connection, which kills the run on the server (the iteration then ends without an
   * error and without an exit frame).
   */
  async *runCommand(
    code: string,
    env: EnvName,
    command: string[],
    options: { signal?: AbortSignal; onOpen?: () => void } = {},
  ): AsyncGenerator<RunFrame> {
    yield* this.#ndjson<RunFrame>('POST', `${envPath(code, env)}/run`, { body: { command }, ...options });
  }

  // --- notifications ------------------------------------------------------------------------

  /** One page of the notification channels, by name (admins see their masked settings). */
  listChannels(page: PageQuery = {}): Promise<ChannelListResponse> {
    return this.#request('GET', '/api/v1/channels', { query: { ...page } });
  }

  getChannel(id: string): Promise<ChannelResponse> {
    return this.#request('GET', `/api/v1/channels/${seg(id)}`);
  }

  /** Admins only. */
  createChannel(body: CreateChannelBody): Promise<ChannelResponse> {
    return this.#request('POST', '/api/v1/channels', { body });
  }

  /** Admins only; secrets left out of `config` stay. */
  updateChannel(id: string, body: UpdateChannelBody): Promise<ChannelResponse> {
    return this.#request('PATCH', `/api/v1/channels/${seg(id)}`, { body });
  }

  /** Admins only; its subscriptions and delivery history go too. */
  deleteChannel(id: string): Promise<void> {
    return this.#request('DELETE', `/api/v1/channels/${seg(id)}`);
  }

  /** Admins only: queues a test notification and resolves with its delivery. */
  testChannel(id: string): Promise<DeliveryResponse> {
    return this.#request('POST', `/api/v1/channels/${seg(id)}/test`);
  }

  /** One page of a channel's deliveries, newest first (admins only). */
  listChannelDeliveries(id: string, page: PageQuery = {}): Promise<DeliveryListResponse> {
    return this.#request('GET', `/api/v1/channels/${seg(id)}/deliveries`, { query: { ...page } });
  }

  /** One page of an app's subscriptions, by channel name. */
  listSubscriptions(code: string, page: PageQuery = {}): Promise<SubscriptionListResponse> {
    return this.#request('GET', `/api/v1/apps/${seg(code)}/subscriptions`, { query: { ...page } });
  }

  /** Subscribes the app to the channel, or replaces what it hears from it. */
  subscribe(code: string, channelId: string, body: SubscriptionBody): Promise<SubscriptionResponse> {
    return this.#request('PUT', `/api/v1/apps/${seg(code)}/subscriptions/${seg(channelId)}`, { body });
  }

  unsubscribe(code: string, channelId: string): Promise<void> {
    return this.#request('DELETE', `/api/v1/apps/${seg(code)}/subscriptions/${seg(channelId)}`);
  }

  /** One page of an app's notification deliveries, newest first. */
  listAppDeliveries(code: string, page: PageQuery = {}): Promise<DeliveryListResponse> {
    return this.#request('GET', `/api/v1/apps/${seg(code)}/deliveries`, { query: { ...page } });
  }

  // --- custom domains and certificates ------------------------------------------------------

  /** The domains of the apps the caller sees, each with its certificate's expiry. */
  listDomains(): Promise<DomainListResponse> {
    return this.#request('GET', '/api/v1/domains');
  }

  /** Binds a host to an app environment (`domain.write`). */
  addDomain(body: DomainCreateBody): Promise<DomainResponse> {
    return this.#request('POST', '/api/v1/domains', { body });
  }

  getDomain(host: string): Promise<DomainResponse> {
    return this.#request('GET', `/api/v1/domains/${seg(host)}`);
  }

  updateDomain(host: string, body: DomainUpdateBody): Promise<DomainResponse> {
    return this.#request('PATCH', `/api/v1/domains/${seg(host)}`, { body });
  }

  removeDomain(host: string): Promise<void> {
    return this.#request('DELETE', `/api/v1/domains/${seg(host)}`);
  }

  /** Starts an ACME order for the domain (a job); the domain's certificate source becomes `acme`. */
  orderAcmeCertificate(host: string): Promise<AcmeOrderResponse> {
    return this.#request('POST', `/api/v1/domains/${seg(host)}/acme`);
  }

  /** Admins, operators and auditors; soonest expiry first, never a key. */
  listCertificates(): Promise<CertificateListResponse> {
    return this.#request('GET', '/api/v1/certificates');
  }

  /** Uploads a PEM chain (leaf first) and its unencrypted key; checked before it is stored. */
  uploadCertificate(body: CertificateUploadBody): Promise<CertificateResponse> {
    return this.#request('POST', '/api/v1/certificates', { body });
  }

  getCertificate(id: string): Promise<CertificateResponse> {
    return this.#request('GET', `/api/v1/certificates/${seg(id)}`);
  }

  removeCertificate(id: string): Promise<void> {
    return this.#request('DELETE', `/api/v1/certificates/${seg(id)}`);
  }

  // --- the API gateway's systems and components ----------------------------------------------

  /** Makes the systems those of these files (the whole directory); `dryRun` only plans. */
  syncApigw(body: ApigwSyncBody): Promise<ApigwSyncResponse> {
    return this.#request('POST', '/api/v1/apigw/sync', { body });
  }

  /** Every system as its canonical YAML file (admins, operators). */
  exportApigw(): Promise<ApigwExportResponse> {
    return this.#request('GET', '/api/v1/apigw/export');
  }

  listApigwSystems(): Promise<ApigwSystemListResponse> {
    return this.#request('GET', '/api/v1/apigw/systems');
  }

  getApigwSystem(name: string): Promise<ApigwSystemResponse> {
    return this.#request('GET', `/api/v1/apigw/systems/${seg(name)}`);
  }

  /** The system's OpenAPI 3.1 document for its callers (its `servers` name where calls go). */
  getApigwSystemOpenApi(name: string): Promise<Record<string, unknown>> {
    return this.#request('GET', `/api/v1/apigw/systems/${seg(name)}/openapi.json`);
  }

  /** Adds or replaces one system from its file's YAML (either shape). */
  putApigwSystem(name: string, text: string): Promise<ApigwSystemPutResponse> {
    return this.#request('PUT', `/api/v1/apigw/systems/${seg(name)}`, { body: { text } });
  }

  removeApigwSystem(name: string): Promise<void> {
    return this.#request('DELETE', `/api/v1/apigw/systems/${seg(name)}`);
  }

  /** Components of one system, or of all; hidden ones only for admins and operators. */
  listApigwComponents(query: ApigwComponentQuery = {}): Promise<ApigwComponentListResponse> {
    return this.#request('GET', '/api/v1/apigw/components', { query: { ...query } });
  }

  // --- API gateway: grants and trusted apps --------------------------------------------------

  /** Grants of gateway calls, by calling app and system (developers: those of their apps). */
  listApigwGrants(query: ApigwGrantListQuery = {}): Promise<ApigwGrantListResponse> {
    return this.#request('GET', '/api/v1/apigw/grants', { query: { ...query } });
  }

  /** Lets an app call a system's component (or every one); renews a grant made already. */
  grantApigwAccess(body: ApigwGrantCreateBody): Promise<ApigwGrantResponse> {
    return this.#request('POST', '/api/v1/apigw/grants', { body });
  }

  revokeApigwGrant(id: string): Promise<void> {
    return this.#request('DELETE', `/api/v1/apigw/grants/${seg(id)}`);
  }

  /** Apps that may name a user in their calls without the user's session token. */
  listApigwTrustedApps(): Promise<ApigwTrustedAppListResponse> {
    return this.#request('GET', '/api/v1/apigw/trusted-apps');
  }

  trustApigwApp(app: string): Promise<ApigwTrustedAppResponse> {
    return this.#request('PUT', `/api/v1/apigw/trusted-apps/${seg(app)}`);
  }

  untrustApigwApp(app: string): Promise<void> {
    return this.#request('DELETE', `/api/v1/apigw/trusted-apps/${seg(app)}`);
  }

  // --- API gateway: permission requests ------------------------------------------------------

  /** Permission requests, newest first (developers: those of their apps, as callers or owners). */
  listApigwPermissionRequests(
    query: ApigwPermissionRequestListQuery = {},
  ): Promise<ApigwPermissionRequestListResponse> {
    return this.#request('GET', '/api/v1/apigw/permission-requests', { query: { ...query } });
  }

  /** Asks for a grant for an app; the system's owner decides. */
  requestApigwPermission(body: ApigwPermissionRequestCreateBody): Promise<ApigwPermissionRequestResponse> {
    return this.#request('POST', '/api/v1/apigw/permission-requests', { body });
  }

  getApigwPermissionRequest(id: string): Promise<ApigwPermissionRequestResponse> {
    return this.#request('GET', `/api/v1/apigw/permission-requests/${seg(id)}`);
  }

  /** Approves a request: the grant is written with it. */
  approveApigwPermissionRequest(id: string, reason?: string): Promise<ApigwPermissionRequestResponse> {
    return this.#request('POST', `/api/v1/apigw/permission-requests/${seg(id)}/approve`, {
      body: reason ? { reason } : {},
    });
  }

  refuseApigwPermissionRequest(id: string, reason: string): Promise<ApigwPermissionRequestResponse> {
    return this.#request('POST', `/api/v1/apigw/permission-requests/${seg(id)}/refuse`, { body: { reason } });
  }

  withdrawApigwPermissionRequest(id: string, reason?: string): Promise<ApigwPermissionRequestResponse> {
    return this.#request('POST', `/api/v1/apigw/permission-requests/${seg(id)}/withdraw`, {
      body: reason ? { reason } : {},
    });
  }

  // --- inbound webhooks ---------------------------------------------------------------------

  /** The app's webhook URL; with `reveal` its secret too (needs `source.write`; audited). */
  getWebhook(code: string, options: { reveal?: boolean } = {}): Promise<Webhook> {
    const query = options.reveal === true ? { reveal: true } : {};
    return this.#request('GET', `/api/v1/apps/${seg(code)}/webhook`, { query });
  }

  /** Replaces the app's webhook secret and resolves with the new one (needs `source.write`). */
  rotateWebhookSecret(code: string): Promise<WebhookRotateResponse> {
    return this.#request('POST', `/api/v1/apps/${seg(code)}/webhook/rotate`);
  }

  /** One page of the app's webhook deliveries, newest first. */
  listWebhookDeliveries(code: string, page: PageQuery = {}): Promise<WebhookDeliveryListResponse> {
    return this.#request('GET', `/api/v1/apps/${seg(code)}/webhook/deliveries`, { query: { ...page } });
  }

  // --- API gateway call records --------------------------------------------------------------

  /** Calls per component and calling app in a recent window (`window`: `15m`, `1h`, `24h`, `7d`);
   *  developers see the calls of the apps they are members of. */
  listApigwRecords(query: ApigwRecordsQuery = {}): Promise<ApigwRecordsResponse> {
    return this.#request('GET', '/api/v1/apigw/records', { query: { ...query } });
  }

  // --- audit log ----------------------------------------------------------------------------

  /** One page of the audit log, newest first. */
  listAudit(filter: AuditQuery = {}): Promise<AuditListResponse> {
    return this.#request('GET', '/api/v1/audit', { query: { ...filter } });
  }

  // --- plumbing -----------------------------------------------------------------------------

  async #request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    return this.#result<T>(await this.#send(method, path, options));
  }

  /** A streamed NDJSON answer, one parsed object per line; ends quietly when `signal` aborts. */
  async *#ndjson<T>(
    method: string,
    path: string,
    options: RequestOptions & { onOpen?: () => void },
  ): AsyncGenerator<T> {
    const { onOpen, ...request } = options;
    let response: Response;
    try {
      response = await this.#open(method, path, request);
    } catch (err) {
      if (options.signal?.aborted) return;
      throw err;
    }
    if (!response.ok) throw errorFromResponse(response.status, response.statusText, await response.text());
    onOpen?.();
    if (!response.body) return;
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    let buffer = '';
    try {
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (err) {
          if (options.signal?.aborted) return;
          throw networkError(method, response.url, err);
        }
        if (chunk.done) break;
        buffer += decoder.decode(chunk.value, { stream: true });
        let newline = buffer.indexOf('\n');
        while (newline >= 0) {
          const text = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (text) yield parseLine(response, text) as T;
          newline = buffer.indexOf('\n');
        }
      }
      const rest = (buffer + decoder.decode()).trim();
      if (rest) yield parseLine(response, rest) as T;
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  #result<T>({ response, text }: RawResponse): T {
    if (!response.ok) throw errorFromResponse(response.status, response.statusText, text);
    return parseJson(response, text) as T;
  }

  async #send(method: string, path: string, options: RequestOptions): Promise<RawResponse> {
    const url = this.baseUrl + path + queryString(options.query);
    try {
      const response = await this.#fetch(url, this.#init(method, options));
      return { response, text: await response.text() };
    } catch (err) {
      throw networkError(method, url, err);
    }
  }

  /** Sends a request and hands back the response unread (for streamed bodies). */
  async #open(method: string, path: string, options: RequestOptions): Promise<Response> {
    const url = this.baseUrl + path + queryString(options.query);
    try {
      return await this.#fetch(url, this.#init(method, options));
    } catch (err) {
      throw networkError(method, url, err);
    }
  }

  #init(method: string, options: RequestOptions): RequestInit {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.#token) headers['authorization'] = `Bearer ${this.#token}`;
    if (this.#sessionToken) {
      headers['cookie'] = `${this.#sessionCookie}=${encodeURIComponent(this.#sessionToken)}`;
    }
    const init: RequestInit & { duplex?: 'half' } = { method, headers };
    if (options.signal) init.signal = options.signal;
    if (options.raw) {
      headers['content-type'] = options.raw.contentType;
      const data = options.raw.data;
      if (data instanceof Uint8Array || data instanceof Blob) {
        init.body = data as NonNullable<RequestInit['body']>; // DOM typings want an ArrayBuffer-backed view; every Uint8Array is sent as is
      } else {
        // A stream of unknown length goes out chunked; fetch insists on saying so.
        init.body = data instanceof ReadableStream ? data : streamOf(data);
        init.duplex = 'half';
      }
    } else if (options.body !== undefined) {
      init.body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    return init;
  }
}

function parseJson(response: Response, text: string): unknown {
  if (response.status === 204 || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new BerthApiError(
      response.status,
      BAD_RESPONSE,
      `${response.url || 'the server'} sent no valid JSON`,
    );
  }
}

function parseLine(response: Response, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new BerthApiError(
      response.status,
      BAD_RESPONSE,
      `${response.url || 'the server'} sent a bad NDJSON line`,
    );
  }
}

/** A web ReadableStream over an async iterable of bytes (ReadableStream.from is not everywhere yet). */
function streamOf(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}

function keyHeader(options: IdempotencyOptions): Record<string, string> {
  return options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey };
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

function envPath(code: string, env: EnvName): string {
  return `/api/v1/apps/${seg(code)}/envs/${seg(env)}`;
}

function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function readSetCookie(headers: Headers, name: string): string | undefined {
  const all =
    typeof headers.getSetCookie === 'function' ? headers.getSetCookie() : [headers.get('set-cookie') ?? ''];
  for (const header of all) {
    const match = new RegExp(`(?:^|[,;]\\s*)${name}=([^;]*)`).exec(header);
    if (match?.[1]) {
      try {
        return decodeURIComponent(match[1]);
      } catch {
        return match[1];
      }
    }
  }
  return undefined;
}
