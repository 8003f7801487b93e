// A Berth app that knows who its visitor is ("log in once, apps know who you are"): it bounces the
// browser through the console's app-login route, redeems the ticket it brings back with its app
// secret, and keeps the user in a session cookie of its own. It never sees a Berth session.
import crypto from 'node:crypto';
import http from 'node:http';

const env = process.env;
const port = Number(env.PORT || 3000);
const host = env.HOST || '0.0.0.0';
/** This environment's public URL, ending in `/` (e.g. http://localhost:8081/t/ssohello/). */
const appUrl = new URL(env.BERTH_APP_URL || `http://localhost:${port}/`);
const prefix = appUrl.pathname.replace(/\/+$/, '');
const COOKIE = 'sso_hello_session';
const SESSION_SECONDS = 8 * 3600;

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The app's own session: the user, signed with the app secret (no server-side state to share). */
function sign(payload) {
  return crypto
    .createHmac('sha256', env.BERTH_APP_SECRET || 'dev')
    .update(payload)
    .digest('base64url');
}

function sessionCookie(user) {
  const payload = Buffer.from(
    JSON.stringify({ ...user, exp: Math.floor(Date.now() / 1000) + SESSION_SECONDS }),
  ).toString('base64url');
  const secure = appUrl.protocol === 'https:' ? '; Secure' : '';
  return `${COOKIE}=${payload}.${sign(payload)}; Path=${prefix}/; Max-Age=${SESSION_SECONDS}; HttpOnly; SameSite=Lax${secure}`;
}

function sessionUser(req) {
  for (const part of (req.headers.cookie || '').split(';')) {
    const [name, value = ''] = part.trim().split('=');
    if (name !== COOKIE) continue;
    const [payload = '', mac = ''] = value.split('.');
    const expected = sign(payload);
    if (mac.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) {
      return undefined;
    }
    const user = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return user.exp > Date.now() / 1000 ? user : undefined;
  }
  return undefined;
}

/** The console's app-login address, coming back to `path` of this app. */
function loginUrl(path) {
  const url = new URL('/api/v1/auth/app-login', env.BERTH_CONSOLE_URL);
  url.searchParams.set('app', env.BERTH_APP_CODE);
  url.searchParams.set('env', env.BERTH_ENV);
  url.searchParams.set('next', new URL(path.replace(/^\//, ''), appUrl).href);
  return url.href;
}

/** Asks berthd who the ticket's user is; the ticket is then used up. */
async function redeem(ticket) {
  const res = await fetch(new URL('/api/v1/auth/app-user', env.BERTH_API_URL), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-berth-app-code': env.BERTH_APP_CODE,
      'x-berth-app-secret': env.BERTH_APP_SECRET,
    },
    body: JSON.stringify({ ticket, env: env.BERTH_ENV }),
  });
  const body = await res.json();
  if (!res.ok)
    throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
  return body.user;
}

function page(title, body) {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}</style></head>
<body>${body}</body>
</html>
`;
}

async function handle(req, res, url) {
  const send = (status, html, headers = {}) => {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      ...headers,
    });
    res.end(html);
  };
  const redirect = (location, headers = {}) => {
    res.writeHead(303, { location, 'cache-control': 'no-store', ...headers });
    res.end();
  };
  if (url.pathname === '/healthz') return send(200, 'ok\n', { 'content-type': 'text/plain' });
  if (url.pathname !== '/' && url.pathname !== '/whoami')
    return send(404, page('Not found', '<p>Not found.</p>'));

  const ticket = url.searchParams.get('berth_ticket');
  if (ticket) {
    // Back from the console: redeem the ticket, keep the user, and drop the ticket from the address.
    let user;
    try {
      user = await redeem(ticket);
    } catch (err) {
      return send(
        401,
        page('Not signed in', `<p>The console's ticket was refused: ${escapeHtml(err.message)}</p>`),
      );
    }
    url.searchParams.delete('berth_ticket');
    return redirect(`${prefix}${url.pathname}${url.search}`, { 'set-cookie': sessionCookie(user) });
  }

  const user = sessionUser(req);
  if (url.pathname === '/whoami') {
    if (!user) return redirect(loginUrl('/whoami'));
    return send(
      200,
      page(
        'Who am I',
        `<h1>You are ${escapeHtml(user.displayName)}</h1><p>Berth user <code>${escapeHtml(user.username)}</code> (id ${escapeHtml(user.id)}).</p><p><a href="${prefix}/">Back</a></p>`,
      ),
    );
  }
  return send(
    200,
    page(
      'sso-hello',
      `<h1>sso-hello</h1><p>${user ? `Signed in as ${escapeHtml(user.displayName)}.` : 'Not signed in yet.'}</p><p><a href="${prefix}/whoami">Who am I?</a></p>`,
    ),
  );
}

const server = http.createServer((req, res) => {
  // The ticket travels in the address: keep it out of Referer headers to other sites.
  res.setHeader('referrer-policy', 'no-referrer');
  handle(req, res, new URL(req.url ?? '/', 'http://app.invalid')).catch((err) => {
    console.error(err);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('internal error\n');
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => console.log(`sso-hello listening on ${host}:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
