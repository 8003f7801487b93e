// How the permission matrix calls each route: valid parameters, and for a call that changes or
// consumes something, a fresh thing of its own (an app to delete, a request to approve, a session to
// log out), so that no call decides the outcome of another. Keyed like route-rules.ts, then by the
// case's variant ('' for the plain call).
import crypto from 'node:crypto';
import { APP_TICKET_PARAM, type EnvName } from '@berth/sdk';
import { ADMIN_PASSWORD } from '../support/harness.ts';
import { type Call, type MatrixFixture, PASSWORD, REQUESTER, TARGET } from './matrix-fixture.ts';
import { CALLER_ROLES, type Caller, MATRIX_APPROVAL } from './route-rules.ts';

/** Builds a call as `who`, in the case's environment (stag where the route has none). */
type Build = (m: MatrixFixture, who: Caller, env: EnvName) => Call | Promise<Call>;

const get = (path: string): Call => ({ method: 'GET', path });
const app = (m: MatrixFixture) => `/api/v1/apps/${m.code}`;
const env = (m: MatrixFixture, name: EnvName) => `${app(m)}/envs/${name}`;
/** The callers who may file requests file their own; the others try the requester's. */
const FILERS: readonly Caller[] = ['admin', 'operator', 'member'];

/** A login ticket for the app's stag environment, issued to the admin (for the app's server). */
async function ticket(m: MatrixFixture): Promise<string> {
  const res = await m.send('admin', get(appLogin(m)));
  const issued = res.location && new URL(res.location).searchParams.get(APP_TICKET_PARAM);
  if (res.status !== 303 || !issued) throw new Error(`app-login answered ${res.status}: ${res.text}`);
  return issued;
}

function appLogin(m: MatrixFixture): string {
  const next = `${m.f.t.appsUrl}/t/${m.code}/`;
  return `/api/v1/auth/app-login?${new URLSearchParams({ app: m.code, env: 'stag', next })}`;
}

async function channel(m: MatrixFixture): Promise<string> {
  const body = {
    name: m.unique('matrix-channel-'),
    config: {
      kind: 'webhook',
      url: 'https://hooks.example.invalid/berth',
      secret: 'matrix-webhook-secret-1',
    },
  };
  return (await m.ok('admin', { method: 'POST', path: '/api/v1/channels', body })).channel.id;
}

/** A GitHub push to the matrix app's hook URL, signed with its webhook secret when `signed`; each call
 *  its own delivery (a repeat would be ignored as a replay, which is not what the matrix asks). */
async function hookPush(m: MatrixFixture, signed: boolean): Promise<Call> {
  const delivery = m.unique('matrix-delivery-');
  const body = {
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: crypto.createHash('sha1').update(delivery).digest('hex'),
    repository: { clone_url: 'https://git.example.invalid/matrix.git' },
  };
  const headers: Record<string, string> = { 'x-github-event': 'push', 'x-github-delivery': delivery };
  if (signed) {
    const { secret } = await m.ok('admin', get(`${app(m)}/webhook?reveal=true`));
    const mac = crypto.createHmac('sha256', secret).update(JSON.stringify(body)).digest('hex');
    headers['x-hub-signature-256'] = `sha256=${mac}`;
  }
  return { method: 'POST', path: `/api/v1/hooks/${m.code}`, body, headers };
}

/** A new domain of the matrix app's stag environment, bound by the admin. */
async function domain(m: MatrixFixture): Promise<string> {
  const host = `${m.unique('d-')}.matrix.example.com`;
  await m.ok('admin', { method: 'POST', path: '/api/v1/domains', body: { host, app: m.code, env: 'stag' } });
  return host;
}

/** A new grant of the matrix app, to a system of its own, made by the admin. */
async function grant(m: MatrixFixture): Promise<string> {
  const body = { app: m.code, system: m.unique('MATRIX_') };
  return (await m.ok('admin', { method: 'POST', path: '/api/v1/apigw/grants', body })).grant.id;
}

/** A new system with no owner, declared by the admin. */
async function system(m: MatrixFixture): Promise<string> {
  const name = m.unique('MATRIX_');
  const text = `system:\n  name: ${name}\n  label: Matrix\n`;
  await m.ok('admin', { method: 'PUT', path: `/api/v1/apigw/systems/${name}`, body: { text } });
  return name;
}

/** A new open permission request of the matrix app, for a system of its own, filed by the admin. */
async function permissionRequest(m: MatrixFixture): Promise<string> {
  const body = { app: m.code, system: await system(m), reason: 'matrix' };
  return (await m.ok('admin', { method: 'POST', path: '/api/v1/apigw/permission-requests', body })).request
    .id;
}

/** A call deciding a new permission request. */
function decide(verb: string, body: object): Build {
  return async (m) => ({
    method: 'POST',
    path: `/api/v1/apigw/permission-requests/${await permissionRequest(m)}/${verb}`,
    body,
  });
}

export const ROUTE_CALLS: Readonly<Record<string, Readonly<Record<string, Build>>>> = {
  'GET /healthz': { '': () => get('/healthz') },
  'GET /api/v1/openapi.json': { '': () => get('/api/v1/openapi.json') },
  'GET /downloads/berth-cli.tgz': { '': () => get('/downloads/berth-cli.tgz') },
  'GET /api/v1/platform/status': { '': () => get('/api/v1/platform/status') },
  'GET /api/v1/nodes': { '': () => get('/api/v1/nodes') },
  'GET /api/v1/metrics': { '': () => get('/api/v1/metrics') },

  'POST /api/v1/auth/login': {
    '': (m, who) => ({
      method: 'POST',
      path: '/api/v1/auth/login',
      body: {
        username: m.usernameOf(who) ?? REQUESTER,
        password: who === 'admin' ? ADMIN_PASSWORD : PASSWORD,
      },
    }),
  },
  'POST /api/v1/auth/logout': {
    // With a new API token of the caller's (logging out revokes the credential in use).
    '': async (m, who) => {
      if (who === 'anonymous') return { method: 'POST', path: '/api/v1/auth/logout' };
      const made = await m.ok(who, { method: 'POST', path: '/api/v1/me/tokens', body: { name: 'logout' } });
      return { method: 'POST', path: '/api/v1/auth/logout', token: made.secret };
    },
  },
  'GET /api/v1/auth/app-login': { '': (m) => get(appLogin(m)) },
  'POST /api/v1/auth/app-user': {
    'app credentials': async (m) => ({
      method: 'POST',
      path: '/api/v1/auth/app-user',
      headers: { 'x-berth-app-code': m.code, 'x-berth-app-secret': m.secret },
      body: { ticket: await ticket(m), env: 'stag' },
    }),
    'user credential': async (m) => ({
      method: 'POST',
      path: '/api/v1/auth/app-user',
      body: { ticket: await ticket(m), env: 'stag' },
    }),
  },
  'GET /api/v1/me': { '': () => get('/api/v1/me') },
  'PUT /api/v1/me/password': {
    '': async (m, who) => ({
      method: 'PUT',
      path: '/api/v1/me/password',
      body: { currentPassword: PASSWORD, newPassword: 'matrix-password-2' },
      // A new user of the caller's role: the change revokes the user's other credentials.
      cookie: who === 'anonymous' ? null : (await m.freshUser(CALLER_ROLES[who])).cookie,
    }),
  },
  'GET /api/v1/me/tokens': { '': () => get('/api/v1/me/tokens') },
  'POST /api/v1/me/tokens': {
    '': () => ({ method: 'POST', path: '/api/v1/me/tokens', body: { name: 'matrix' } }),
  },
  'DELETE /api/v1/me/tokens/{id}': {
    '': async (m, who) => {
      const owner = who === 'anonymous' ? REQUESTER : who;
      const made = await m.ok(owner, { method: 'POST', path: '/api/v1/me/tokens', body: { name: 'own' } });
      return { method: 'DELETE', path: `/api/v1/me/tokens/${made.token.id}` };
    },
  },

  'GET /api/v1/tokens': { '': () => get('/api/v1/tokens') },
  'DELETE /api/v1/tokens/{id}': {
    '': async (m) => {
      const made = await m.ok(REQUESTER, {
        method: 'POST',
        path: '/api/v1/me/tokens',
        body: { name: 'any' },
      });
      return { method: 'DELETE', path: `/api/v1/tokens/${made.token.id}` };
    },
  },
  'GET /api/v1/users': { '': () => get('/api/v1/users') },
  'POST /api/v1/users': {
    '': (m) => ({
      method: 'POST',
      path: '/api/v1/users',
      body: { username: m.unique('new-user-'), password: PASSWORD, role: 'developer' },
    }),
  },
  'GET /api/v1/users/{username}': {
    '': () => get(`/api/v1/users/${TARGET}`),
    themselves: (m, who) => get(`/api/v1/users/${m.usernameOf(who) ?? TARGET}`),
  },
  'PATCH /api/v1/users/{username}': {
    '': () => ({ method: 'PATCH', path: `/api/v1/users/${TARGET}`, body: { displayName: 'Matrix target' } }),
    "a developer's password": () => ({
      method: 'PATCH',
      path: `/api/v1/users/${TARGET}`,
      body: { password: PASSWORD },
    }),
  },
  'DELETE /api/v1/users/{username}': {
    '': async (m) => ({ method: 'DELETE', path: `/api/v1/users/${await m.spareUser()}` }),
  },
  'GET /api/v1/audit': { '': () => get('/api/v1/audit') },

  'GET /api/v1/apps': { '': () => get('/api/v1/apps') },
  'POST /api/v1/apps': {
    '': (m) => {
      const code = m.unique('matrix-new-');
      return { method: 'POST', path: '/api/v1/apps', body: { code, name: code } };
    },
  },
  'GET /api/v1/apps/{code}': { '': (m) => get(app(m)) },
  'PATCH /api/v1/apps/{code}': {
    '': (m) => ({ method: 'PATCH', path: app(m), body: { description: 'The permission matrix' } }),
    placement: (m) => ({ method: 'PATCH', path: app(m), body: { placement: ['node.labels.zone==matrix'] } }),
  },
  'DELETE /api/v1/apps/{code}': {
    '': async (m) => ({ method: 'DELETE', path: `/api/v1/apps/${await m.freshApp()}` }),
  },
  'GET /api/v1/apps/{code}/secret': { '': (m) => get(`${app(m)}/secret`) },
  'POST /api/v1/apps/{code}/secret/rotate': {
    // A fresh app: rotating the matrix app's secret would restart it.
    '': async (m) => ({ method: 'POST', path: `/api/v1/apps/${await m.freshApp()}/secret/rotate` }),
  },
  'GET /api/v1/apps/{code}/limits': { '': (m) => get(`${app(m)}/limits`) },
  'PUT /api/v1/apps/{code}/limits': {
    '': (m) => ({ method: 'PUT', path: `${app(m)}/limits`, body: { maxInstances: null } }),
  },
  'GET /api/v1/apps/{code}/members': { '': (m) => get(`${app(m)}/members`) },
  'POST /api/v1/apps/{code}/members': {
    '': (m) => ({ method: 'POST', path: `${app(m)}/members`, body: { username: 'aud' } }),
  },
  'DELETE /api/v1/apps/{code}/members/{username}': {
    '': async (m) => {
      await m.ok('admin', { method: 'POST', path: `${app(m)}/members`, body: { username: 'aud' } });
      return { method: 'DELETE', path: `${app(m)}/members/aud` };
    },
  },
  'GET /api/v1/apps/{code}/permissions': { '': (m) => get(`${app(m)}/permissions`) },

  'GET /api/v1/apps/{code}/envs': { '': (m) => get(`${app(m)}/envs`) },
  'GET /api/v1/apps/{code}/envs/{env}/config': { '': (m, _who, e) => get(`${env(m, e)}/config`) },
  'PATCH /api/v1/apps/{code}/envs/{env}/config': {
    '': (m, _who, e) => ({
      method: 'PATCH',
      path: `${env(m, e)}/config`,
      body: { set: [{ name: 'MATRIX', value: '1' }] },
    }),
  },
  'GET /api/v1/apps/{code}/envs/{env}/config/{name}': {
    '': (m, _who, e) => get(`${env(m, e)}/config/MATRIX_SECRET`),
    'reveal=true': (m, _who, e) => get(`${env(m, e)}/config/MATRIX_SECRET?reveal=true`),
  },
  'GET /api/v1/apps/{code}/envs/{env}/policy': { '': (m, _who, e) => get(`${env(m, e)}/policy`) },
  'PUT /api/v1/apps/{code}/envs/{env}/policy': {
    '': (m, _who, e) => ({
      method: 'PUT',
      path: `${env(m, e)}/policy`,
      body: { approval: MATRIX_APPROVAL[e] },
    }),
  },

  'POST /api/v1/apps/{code}/envs/{env}/deploys': {
    '': (m, _who, e) => ({ method: 'POST', path: `${env(m, e)}/deploys`, pkg: m.pkg }),
  },
  'GET /api/v1/apps/{code}/envs/{env}/deploys': { '': (m, _who, e) => get(`${env(m, e)}/deploys`) },
  'GET /api/v1/deploys/{id}': { '': (m, _who, e) => get(`/api/v1/deploys/${m.deploys[e]}`) },
  'GET /api/v1/deploys/{id}/logs': { '': (m, _who, e) => get(`/api/v1/deploys/${m.deploys[e]}/logs`) },
  'POST /api/v1/deploys/{id}/cancel': {
    '': async (m, _who, e) => ({
      method: 'POST',
      path: `/api/v1/deploys/${await m.approvedRequest(e)}/cancel`,
    }),
  },
  'GET /api/v1/apps/{code}/envs/{env}/releases': { '': (m, _who, e) => get(`${env(m, e)}/releases`) },
  'POST /api/v1/apps/{code}/envs/{env}/rollback': {
    '': (m, _who, e) => ({ method: 'POST', path: `${env(m, e)}/rollback`, body: { version: 1 } }),
    emergency: (m, _who, e) => ({
      method: 'POST',
      path: `${env(m, e)}/rollback`,
      body: { version: 1, emergencyReason: 'the permission matrix' },
    }),
  },
  'POST /api/v1/apps/{code}/promote': {
    '': (m) => ({ method: 'POST', path: `${app(m)}/promote`, body: {} }),
  },
  'POST /api/v1/apps/{code}/envs/{env}/restart': {
    '': (m, _who, e) => ({ method: 'POST', path: `${env(m, e)}/restart` }),
  },
  'PUT /api/v1/apps/{code}/envs/{env}/formation': {
    '': (m, _who, e) => ({ method: 'PUT', path: `${env(m, e)}/formation`, body: { processes: { web: 1 } } }),
  },
  'POST /api/v1/apps/{code}/envs/{env}/stop': {
    '': (m, _who, e) => ({ method: 'POST', path: `${env(m, e)}/stop` }),
  },
  'POST /api/v1/apps/{code}/envs/{env}/start': {
    '': (m, _who, e) => ({ method: 'POST', path: `${env(m, e)}/start` }),
  },
  'GET /api/v1/apps/{code}/envs/{env}/instances': { '': (m, _who, e) => get(`${env(m, e)}/instances`) },
  'GET /api/v1/apps/{code}/traffic': { '': (m) => get(`${app(m)}/traffic`) },
  'GET /api/v1/apps/{code}/envs/{env}/logs': { '': (m, _who, e) => get(`${env(m, e)}/logs`) },
  'POST /api/v1/apps/{code}/envs/{env}/run': {
    '': (m, _who, e) => ({
      method: 'POST',
      path: `${env(m, e)}/run`,
      body: { command: ['node', '-e', '0'] },
    }),
  },

  'POST /api/v1/apps/{code}/envs/{env}/requests': {
    '': (m, _who, e) => ({
      method: 'POST',
      path: `${env(m, e)}/requests`,
      body: e === 'prod' ? { kind: 'promote' } : { kind: 'rollback', version: 1 },
    }),
  },
  'POST /api/v1/apps/{code}/envs/{env}/requests/package': {
    '': (m, _who, e) => ({ method: 'POST', path: `${env(m, e)}/requests/package`, pkg: m.pkg }),
  },
  'GET /api/v1/requests': { '': () => get('/api/v1/requests') },
  'GET /api/v1/requests/{id}': {
    '': async (m, _who, e) => get(`/api/v1/requests/${await m.heldRequest(e)}`),
  },
  'POST /api/v1/requests/{id}/approve': {
    '': async (m, _who, e) => ({
      method: 'POST',
      path: `/api/v1/requests/${await m.heldRequest(e)}/approve`,
      body: {},
    }),
  },
  'POST /api/v1/requests/{id}/refuse': {
    '': async (m, _who, e) => ({
      method: 'POST',
      path: `/api/v1/requests/${await m.heldRequest(e)}/refuse`,
      body: { reason: 'the permission matrix' },
    }),
  },
  'POST /api/v1/requests/{id}/withdraw': {
    'own request': async (m, who, e) => {
      const id = await m.heldRequest(e, FILERS.includes(who) ? who : REQUESTER);
      return { method: 'POST', path: `/api/v1/requests/${id}/withdraw`, body: {} };
    },
    "someone else's": async (m, _who, e) => ({
      method: 'POST',
      path: `/api/v1/requests/${await m.heldRequest(e)}/withdraw`,
      body: {},
    }),
  },

  'GET /api/v1/jobs': { '': () => get('/api/v1/jobs') },
  'GET /api/v1/schedules': { '': () => get('/api/v1/schedules') },
  'GET /api/v1/jobs/{id}': {
    "an app's job": (m) => get(`/api/v1/jobs/${m.jobId}`),
    'a platform job': async (m) => get(`/api/v1/jobs/${await m.heldJob(null)}`),
  },
  'GET /api/v1/jobs/{id}/logs': {
    "an app's job": (m) => get(`/api/v1/jobs/${m.jobId}/logs`),
    'a platform job': async (m) => get(`/api/v1/jobs/${await m.heldJob(null)}/logs`),
  },
  'POST /api/v1/jobs/{id}/cancel': {
    "an app's job": async (m) => ({ method: 'POST', path: `/api/v1/jobs/${await m.heldJob(m.code)}/cancel` }),
    'a platform job': async (m) => ({ method: 'POST', path: `/api/v1/jobs/${await m.heldJob(null)}/cancel` }),
  },

  'GET /api/v1/channels': { '': () => get('/api/v1/channels') },
  'POST /api/v1/channels': {
    '': (m) => ({
      method: 'POST',
      path: '/api/v1/channels',
      body: {
        name: m.unique('matrix-channel-'),
        config: {
          kind: 'webhook',
          url: 'https://hooks.example.invalid/berth',
          secret: 'matrix-webhook-secret-1',
        },
      },
    }),
  },
  'GET /api/v1/channels/{id}': { '': async (m) => get(`/api/v1/channels/${await channel(m)}`) },
  'PATCH /api/v1/channels/{id}': {
    '': async (m) => ({
      method: 'PATCH',
      path: `/api/v1/channels/${await channel(m)}`,
      body: { enabled: false },
    }),
  },
  'DELETE /api/v1/channels/{id}': {
    '': async (m) => ({ method: 'DELETE', path: `/api/v1/channels/${await channel(m)}` }),
  },
  'POST /api/v1/channels/{id}/test': {
    '': async (m) => ({ method: 'POST', path: `/api/v1/channels/${await channel(m)}/test` }),
  },
  'GET /api/v1/channels/{id}/deliveries': {
    '': async (m) => get(`/api/v1/channels/${await channel(m)}/deliveries`),
  },
  'GET /api/v1/apps/{code}/subscriptions': { '': (m) => get(`${app(m)}/subscriptions`) },
  'PUT /api/v1/apps/{code}/subscriptions/{channelId}': {
    '': async (m) => ({
      method: 'PUT',
      path: `${app(m)}/subscriptions/${await channel(m)}`,
      body: { events: ['deploy.succeeded'] },
    }),
  },
  'DELETE /api/v1/apps/{code}/subscriptions/{channelId}': {
    '': async (m) => {
      const id = await channel(m);
      const body = { events: ['deploy.succeeded'] };
      await m.ok('admin', { method: 'PUT', path: `${app(m)}/subscriptions/${id}`, body });
      return { method: 'DELETE', path: `${app(m)}/subscriptions/${id}` };
    },
  },
  'GET /api/v1/apps/{code}/deliveries': { '': (m) => get(`${app(m)}/deliveries`) },

  // A ref the matrix app's empty repository lacks (404 GIT_REF_NOT_FOUND once allowed) and an image on
  // the process runtime (409 IMAGE_DEPLOY_UNSUPPORTED): the permission is decided before either.
  'POST /api/v1/apps/{code}/envs/{env}/deploys/git': {
    '': (m, _who, e) => ({ method: 'POST', path: `${env(m, e)}/deploys/git`, body: { ref: 'main' } }),
  },
  'POST /api/v1/apps/{code}/envs/{env}/deploys/image': {
    '': (m, _who, e) => ({
      method: 'POST',
      path: `${env(m, e)}/deploys/image`,
      body: { image: 'matrix/none:1' },
    }),
  },
  'GET /api/v1/apps/{code}/builds': { '': (m) => get(`${app(m)}/builds`) },
  'GET /api/v1/apps/{code}/source': { '': (m) => get(`${app(m)}/source`) },
  'PUT /api/v1/apps/{code}/source': {
    '': (m) => ({ method: 'PUT', path: `${app(m)}/source`, body: { branchEnv: 'stag' } }),
  },
  // A fresh app: a pin on the matrix app would refuse the package its deploys upload.
  'PUT /api/v1/apps/{code}/source/pin': {
    '': async (m) => ({
      method: 'PUT',
      path: `/api/v1/apps/${await m.freshApp()}/source/pin`,
      body: { manifest: 'resources:\n  memory: 256M\n' },
    }),
  },
  'DELETE /api/v1/apps/{code}/source/pin': {
    '': (m) => ({ method: 'DELETE', path: `${app(m)}/source/pin` }),
  },
  'GET /api/v1/apps/{code}/git': { '': (m) => get(`${app(m)}/git`) },
  // custom domains: each call that changes one gets a domain of its own, bound to the matrix app
  'GET /api/v1/domains': { '': () => get('/api/v1/domains') },
  'POST /api/v1/domains': {
    '': (m) => ({
      method: 'POST',
      path: '/api/v1/domains',
      body: { host: `${m.unique('add-')}.matrix.example.com`, app: m.code, env: 'stag' },
    }),
  },
  'GET /api/v1/domains/{host}': { '': async (m) => get(`/api/v1/domains/${await domain(m)}`) },
  'PATCH /api/v1/domains/{host}': {
    '': async (m) => ({
      method: 'PATCH',
      path: `/api/v1/domains/${await domain(m)}`,
      body: { hstsMaxAge: 60 },
    }),
  },
  'DELETE /api/v1/domains/{host}': {
    '': async (m) => ({ method: 'DELETE', path: `/api/v1/domains/${await domain(m)}` }),
  },
  // ACME is off in the matrix's berthd: whoever may order gets ACME_DISABLED (after the check).
  'POST /api/v1/domains/{host}/acme': {
    '': async (m) => ({ method: 'POST', path: `/api/v1/domains/${await domain(m)}/acme` }),
  },
  'GET /api/v1/certificates': { '': () => get('/api/v1/certificates') },
  // Not PEM: whoever may upload gets CERT_INVALID_PEM (the role is checked first).
  'POST /api/v1/certificates': {
    '': () => ({ method: 'POST', path: '/api/v1/certificates', body: { cert: 'not pem', key: 'not pem' } }),
  },
  'GET /api/v1/certificates/{id}': { '': () => get('/api/v1/certificates/crt_matrix') },
  'DELETE /api/v1/certificates/{id}': {
    '': () => ({ method: 'DELETE', path: '/api/v1/certificates/crt_matrix' }),
  },
  // the API gateway: a dry run changes nothing; each PUT declares a system of its own
  'POST /api/v1/apigw/sync': {
    '': () => ({ method: 'POST', path: '/api/v1/apigw/sync', body: { files: [], dryRun: true } }),
  },
  'GET /api/v1/apigw/export': { '': () => get('/api/v1/apigw/export') },
  'GET /api/v1/apigw/systems': { '': () => get('/api/v1/apigw/systems') },
  'GET /api/v1/apigw/systems/{name}': { '': () => get('/api/v1/apigw/systems/MATRIX') },
  'GET /api/v1/apigw/systems/{name}/openapi.json': {
    '': () => get('/api/v1/apigw/systems/MATRIX/openapi.json'),
  },
  'PUT /api/v1/apigw/systems/{name}': {
    '': (m) => {
      const name = m.unique('MATRIX_');
      const text = `system:\n  name: ${name}\n  label: Matrix\n`;
      return { method: 'PUT', path: `/api/v1/apigw/systems/${name}`, body: { text } };
    },
  },
  'DELETE /api/v1/apigw/systems/{name}': {
    '': () => ({ method: 'DELETE', path: '/api/v1/apigw/systems/MATRIX' }),
  },
  'GET /api/v1/apigw/components': { '': () => get('/api/v1/apigw/components') },
  // API gateway grants: each revoke its own grant; trusting the matrix app again changes nothing
  'GET /api/v1/apigw/grants': { '': () => get('/api/v1/apigw/grants') },
  'POST /api/v1/apigw/grants': {
    '': (m) => ({
      method: 'POST',
      path: '/api/v1/apigw/grants',
      body: { app: m.code, system: m.unique('MATRIX_') },
    }),
  },
  'DELETE /api/v1/apigw/grants/{id}': {
    '': async (m) => ({ method: 'DELETE', path: `/api/v1/apigw/grants/${await grant(m)}` }),
  },
  'GET /api/v1/apigw/trusted-apps': { '': () => get('/api/v1/apigw/trusted-apps') },
  // API gateway permission requests: each files for a new system, each decision decides its own
  'GET /api/v1/apigw/permission-requests': { '': () => get('/api/v1/apigw/permission-requests') },
  'POST /api/v1/apigw/permission-requests': {
    '': async (m) => ({
      method: 'POST',
      path: '/api/v1/apigw/permission-requests',
      body: { app: m.code, system: await system(m), reason: 'matrix' },
    }),
  },
  'GET /api/v1/apigw/permission-requests/{id}': {
    '': async (m) => get(`/api/v1/apigw/permission-requests/${await permissionRequest(m)}`),
  },
  'POST /api/v1/apigw/permission-requests/{id}/approve': { '': decide('approve', {}) },
  'POST /api/v1/apigw/permission-requests/{id}/refuse': { '': decide('refuse', { reason: 'matrix' }) },
  'POST /api/v1/apigw/permission-requests/{id}/withdraw': { '': decide('withdraw', {}) },
  'PUT /api/v1/apigw/trusted-apps/{app}': {
    '': (m) => ({ method: 'PUT', path: `/api/v1/apigw/trusted-apps/${m.code}` }),
  },
  'DELETE /api/v1/apigw/trusted-apps/{app}': {
    '': (m) => ({ method: 'DELETE', path: `/api/v1/apigw/trusted-apps/${m.code}` }),
  },
  'GET /api/v1/apps/{code}/webhook': {
    '': (m) => get(`${app(m)}/webhook`),
    'reveal=true': (m) => get(`${app(m)}/webhook?reveal=true`),
  },
  'POST /api/v1/apps/{code}/webhook/rotate': {
    // A fresh app: the signed hook calls read the matrix app's secret.
    '': async (m) => ({ method: 'POST', path: `/api/v1/apps/${await m.freshApp()}/webhook/rotate` }),
  },
  'GET /api/v1/apps/{code}/webhook/deliveries': { '': (m) => get(`${app(m)}/webhook/deliveries`) },
  'POST /api/v1/hooks/{code}': {
    signed: (m) => hookPush(m, true),
    unsigned: (m) => hookPush(m, false),
  },
  'GET /api/v1/apigw/records': { '': () => get('/api/v1/apigw/records?window=15m') },
};
