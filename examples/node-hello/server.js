// A tiny web app for Berth: answers on $PORT, reports health at /healthz, builds its links under the
// prefix it is served at (/o/{code}/ in production, /t/{code}/ in staging) and stops gracefully on
// SIGTERM so a deploy never cuts a request short.
import http from 'node:http';

const port = Number(process.env.PORT || 3000);
const host = process.env.HOST || '0.0.0.0';
const greeting = process.env.GREETING || 'Hello';
const startedAt = new Date();

/**
 * The path prefix the gateway serves the app under. Berth's gateway strips it before forwarding and
 * sends it in X-Forwarded-Prefix; BERTH_URL_PREFIX holds the environment's prefix for code that runs
 * outside a request. Only plain path segments are accepted, so the value is safe to put in a page.
 */
function prefixOf(req) {
  const header = req.headers['x-forwarded-prefix'];
  const value = typeof header === 'string' ? header : process.env.BERTH_URL_PREFIX || '';
  const trimmed = value.replace(/\/+$/, '');
  return /^(\/[A-Za-z0-9._~-]+)*$/.test(trimmed) ? trimmed : '';
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(prefix, title, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2733}
nav a{margin-right:1rem}code{background:#eef2f6;padding:0 .25rem}</style>
</head>
<body>
<nav><a href="${prefix}/">Home</a><a href="${prefix}/about">About</a><a href="${prefix}/healthz">Health</a></nav>
${body}
</body>
</html>
`;
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://app.invalid');
  const prefix = prefixOf(req);
  const send = (status, type, text) => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : text);
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
  }
  switch (url.pathname) {
    case '/healthz':
      return send(200, 'text/plain; charset=utf-8', 'ok\n');
    case '/':
      return send(
        200,
        'text/html; charset=utf-8',
        page(
          prefix,
          'node-hello',
          `<h1>${escapeHtml(greeting)}</h1>
<p>This is <code>node-hello</code>, instance ${escapeHtml(process.pid)}, up since ${startedAt.toISOString()}.</p>
<p>Served under <code>${escapeHtml(prefix || '/')}</code>; the links above stay inside it.</p>`,
        ),
      );
    case '/about':
      return send(
        200,
        'text/html; charset=utf-8',
        page(
          prefix,
          'About node-hello',
          '<h1>About</h1><p>A Node.js app with no dependencies, run by Berth.</p>',
        ),
      );
    default:
      return send(404, 'text/html; charset=utf-8', page(prefix, 'Not found', '<h1>Not found</h1>'));
  }
});

server.listen(port, host, () => {
  console.log(`node-hello listening on ${host}:${port}`);
});

// Graceful stop: refuse new connections, let the requests in flight finish, then exit (or give up
// after 10 seconds).
let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: finishing requests in flight`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 10_000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
