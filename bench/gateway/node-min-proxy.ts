// A reference for the gateway benchmark: the smallest reverse proxy of the gateway's own design
// (Node's http server in `node:cluster` workers, undici `Pool.dispatch` with a plain handler), with
// none of the gateway's work: no route table, header rules, X-Forwarded-*, request ids, retries,
// metrics or back-pressure. What it does per request is the least any proxy built this way must
// do, so `berth-gw` against `node-min` is the cost of Berth's own code, and `node-min` against
// nginx the cost of the design. Not a proxy to use: it strips `/o/app0` and forwards.
// Usage: node bench/gateway/node-min-proxy.ts <port> <upstreamPort> <workers>; prints "ready".
import cluster from 'node:cluster';
import http from 'node:http';
import { Pool } from 'undici';
import { stopWorkersOnSignal } from './stop-workers.ts';

const [port, upstreamPort, workerCount] = process.argv.slice(2).map(Number) as [number, number, number];
const PREFIX = '/o/app0';

if (cluster.isPrimary) {
  let listening = 0;
  const workers = Array.from({ length: workerCount }, () => cluster.fork());
  for (const worker of workers) {
    worker.on('listening', () => {
      if (++listening === workers.length) process.stdout.write('ready\n');
    });
  }
  stopWorkersOnSignal(workers);
} else {
  const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { connections: 64, pipelining: 1 });
  http
    .createServer((req, res) => {
      const url = req.url ?? '/';
      const path = url.startsWith(`${PREFIX}/`) ? url.slice(PREFIX.length) : url;
      const raw = req.rawHeaders;
      const headers: string[] = [];
      for (let i = 0; i < raw.length; i += 2) {
        if (raw[i]!.toLowerCase() !== 'connection') headers.push(raw[i]!, raw[i + 1]!);
      }
      pool.dispatch(
        { path, method: req.method ?? 'GET', headers, body: null, blocking: false },
        {
          onConnect() {},
          onHeaders(status, rawHeaders) {
            const out: string[] = [];
            for (let i = 0; i < rawHeaders.length; i += 2) {
              const name = rawHeaders[i]!.toString('latin1');
              const lower = name.toLowerCase();
              if (lower !== 'connection' && lower !== 'keep-alive')
                out.push(name, rawHeaders[i + 1]!.toString('latin1'));
            }
            res.writeHead(status, out);
            return true;
          },
          onData(chunk) {
            res.write(chunk);
            return true;
          },
          onComplete() {
            res.end();
          },
          onError() {
            if (!res.headersSent) res.writeHead(502);
            res.end();
          },
        },
      );
    })
    .listen(port, '127.0.0.1');
}
