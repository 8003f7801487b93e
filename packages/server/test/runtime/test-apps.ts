// Tiny apps for the runtime tests, one Node script whose first argument picks the behaviour:
//   server      HTTP on $PORT (routes below); on SIGTERM prints "SIGTERM received" and exits 0
//   stubborn    like server, ignores SIGTERM, and runs a child (same process group) that ignores it
//               too and listens on its own port (GET /child tells its port and pid once it listens)
//   crash       prints "crashing" to stderr, exits 1 at once
//   crash-once  exits 3 on its first run (marker file in $HOME named after $MARKER), then serves
//   slow-bind   waits $DELAY ms (400), then serves (dies with EADDRINUSE if the port was taken meanwhile)
//   exit0       prints "done", exits 0
//   idle        prints its env as one JSON line on stdout, then idles
//   printer     prints $LINES numbered lines of $WIDTH characters, then idles
//   ticker      prints "tick N" on stdout every $EVERY ms (2), and "tock N" on stderr every third time
//   spawn-many  starts $COUNT `sleep` children, prints how many started and the first error
// Routes: / (ok + pid), /run (pid and a random token of this run), /env, /whoami,
// /print?out=&err=, /read?path=, /write?name=&content=, /write-at?path=, /child, /exit?code=.
import fs from 'node:fs';
import path from 'node:path';

const APP_SOURCE = String.raw`
'use strict';
const http = require('node:http');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { spawn } = require('node:child_process');
const mode = process.argv[2];
const run = require('node:crypto').randomBytes(8).toString('hex');
let child = { port: null, pid: null };

function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const q = (k) => url.searchParams.get(k);
    const json = (v) => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(v)); };
    try {
      switch (url.pathname) {
        case '/': return res.end('ok ' + process.pid);
        case '/run': return json({ pid: process.pid, run });
        case '/env': return json(process.env);
        case '/whoami': return json({ pid: process.pid, uid: process.getuid(), gid: process.getgid(), cwd: process.cwd(), home: process.env.HOME });
        case '/print':
          if (q('out')) process.stdout.write(q('out') + '\n');
          if (q('err')) process.stderr.write(q('err') + '\n');
          return res.end('printed');
        case '/read':
          try { return json({ ok: true, content: fs.readFileSync(q('path'), 'utf8') }); }
          catch (e) { return json({ ok: false, code: e.code }); }
        case '/write': {
          const file = path.join(process.env.HOME, q('name'));
          fs.writeFileSync(file, q('content') || '');
          return json({ path: file });
        }
        case '/write-at':
          try { fs.writeFileSync(q('path'), 'x'); return json({ ok: true }); }
          catch (e) { return json({ ok: false, code: e.code }); }
        case '/child': return json(child);
        case '/exit':
          console.log('exiting with ' + q('code'));
          res.end('exiting');
          return setTimeout(() => process.exit(Number(q('code'))), 20);
        default: res.statusCode = 404; return res.end('no');
      }
    } catch (e) { res.statusCode = 500; res.end(String(e)); }
  });
  server.listen(Number(process.env.PORT), '127.0.0.1');
  return server;
}

switch (mode) {
  case 'server': {
    console.log('started ' + process.pid);
    console.error('ready on stderr');
    const server = serve();
    process.on('SIGTERM', () => {
      console.log('SIGTERM received');
      server.close();
      setTimeout(() => process.exit(0), 20);
    });
    break;
  }
  case 'stubborn': {
    const proc = spawn(process.execPath, ['-e', [
      "process.on('SIGTERM', () => {});",
      "const s = require('node:net').createServer(() => {}).listen(0, '127.0.0.1', () => console.log(s.address().port));",
    ].join('\n')], { stdio: ['ignore', 'pipe', 'inherit'] });
    proc.stdout.once('data', (d) => {
      child = { port: Number(String(d).trim()), pid: proc.pid };
      console.log('child listening ' + child.port);
    });
    serve();
    process.on('SIGTERM', () => console.log('SIGTERM ignored'));
    break;
  }
  case 'crash':
    console.error('crashing');
    process.exit(1);
  case 'crash-once': {
    const marker = path.join(process.env.HOME, 'crashed-' + process.env.MARKER);
    if (!fs.existsSync(marker)) {
      fs.writeFileSync(marker, 'x');
      console.error('first run crashes');
      process.exit(3);
    }
    console.log('second run serves');
    serve();
    break;
  }
  case 'slow-bind':
    setTimeout(serve, Number(process.env.DELAY || 400));
    break;
  case 'exit0':
    console.log('done');
    process.exit(0);
  case 'idle':
    console.log(JSON.stringify(process.env));
    setInterval(() => {}, 60000);
    break;
  case 'printer': {
    const width = Number(process.env.WIDTH || 40);
    const lines = [];
    for (let i = 1; i <= Number(process.env.LINES || 10); i++) lines.push(('line ' + i + ' ').padEnd(width, '.'));
    process.stdout.write(lines.join('\n') + '\n');
    setInterval(() => {}, 60000);
    break;
  }
  case 'ticker': {
    let n = 0;
    setInterval(() => {
      n += 1;
      process.stdout.write('tick ' + n + '\n');
      if (n % 3 === 0) process.stderr.write('tock ' + n + '\n');
    }, Number(process.env.EVERY || 2));
    break;
  }
  case 'spawn-many': {
    let started = 0;
    let firstError = null;
    for (let i = 0; i < Number(process.env.COUNT); i++) {
      try {
        const c = spawn('sleep', ['30'], { stdio: 'ignore' });
        c.on('error', (e) => { firstError = firstError || e.code; });
        if (c.pid) started++;
      } catch (e) { firstError = firstError || e.code; }
    }
    setTimeout(() => console.log(JSON.stringify({ started, firstError })), 300);
    setInterval(() => {}, 60000);
    break;
  }
  default:
    console.error('unknown mode ' + mode);
    process.exit(2);
}
`;

/** A probe app for the network tests: GET /connect?host=&port= tries a TCP connection; with
 *  `&path=` it also sends `GET {path}` and answers what came back (`answer`). A connection alone
 *  proves little where something on the way answers every connection (this project's machines reach
 *  the internet through a proxy that accepts any TCP connection, to any address). */
export const PROBE_APP = `
'use strict';
const http = require('node:http');
const net = require('node:net');
http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const ask = url.searchParams.get('path');
  const socket = net.connect(Number(url.searchParams.get('port')), url.searchParams.get('host'));
  let connected = false;
  let answer = '';
  const done = (v) => { socket.destroy(); if (!res.headersSent) res.end(JSON.stringify(v)); };
  socket.setTimeout(1000, () => done(connected ? { ok: true, answer } : { ok: false, code: 'TIMEOUT' }));
  socket.once('connect', () => {
    connected = true;
    if (!ask) return done({ ok: true });
    socket.write('GET ' + ask + ' HTTP/1.0\\r\\n\\r\\n');
  });
  socket.on('data', (chunk) => { answer += chunk; });
  socket.once('end', () => done({ ok: true, answer }));
  socket.once('error', (e) => done({ ok: false, code: e.code }));
}).listen(Number(process.env.PORT), '0.0.0.0');
`;

/** Writes the test app into `dir` (created) and returns `dir`. */
export function writeTestApp(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'app.cjs'), APP_SOURCE);
  return dir;
}
