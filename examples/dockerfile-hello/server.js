// A tiny web app built from its own Dockerfile: answers on $PORT (all interfaces: a container's
// loopback is not reachable from the gateway), reports health at /healthz and stops on SIGTERM.
import http from 'node:http';

const port = Number(process.env.PORT || 3000);
const greeting = process.env.GREETING || 'Hello from a Dockerfile';

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${greeting} (release v${process.env.BERTH_RELEASE || '?'})\n`);
});
server.keepAliveTimeout = 60_000;
server.listen(port, process.env.HOST || '0.0.0.0', () =>
  console.log(`dockerfile-hello listening on ${port}`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
