// Source packages the benchmarks upload: the Node example (examples/node-hello) with a marker in its
// greeting, so a poll of the gateway tells which release serves, and a tiny one-instance Node app for
// the benchmarks that deploy many apps. Packed as `berth deploy` packs (packages/cli/src/pack.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packDirectory } from '../../packages/cli/src/pack.ts';
import { REPO } from './berthd.ts';

const NODE_HELLO = path.join(REPO, 'examples/node-hello');

async function packTemp(write: (dir: string) => void): Promise<Uint8Array> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-pkg-'));
  try {
    write(dir);
    return (await packDirectory(dir)).data;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** examples/node-hello whose page greets with `marker` (its berth.yaml's GREETING). */
export function nodeHelloPackage(marker: string): Promise<Uint8Array> {
  return packTemp((dir) => {
    fs.cpSync(NODE_HELLO, dir, { recursive: true });
    const manifest = path.join(dir, 'berth.yaml');
    const text = fs.readFileSync(manifest, 'utf8');
    const changed = text.replace(/GREETING: .*/, `GREETING: ${marker}`);
    if (changed === text) throw new Error('examples/node-hello/berth.yaml has no GREETING to mark');
    fs.writeFileSync(manifest, changed);
  });
}

const TINY_SERVER = `import http from 'node:http';
const body = 'tiny ' + (process.env.MARKER || '') + '\\n';
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(Number(process.env.PORT || 3000), process.env.HOST || '0.0.0.0');
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
`;

/** A one-file Node app, one web instance, answering "tiny <marker>". */
export function tinyAppPackage(marker: string): Promise<Uint8Array> {
  return packTemp((dir) => {
    fs.writeFileSync(path.join(dir, 'server.js'), TINY_SERVER);
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      `${JSON.stringify({ name: 'tiny', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
    );
    fs.writeFileSync(
      path.join(dir, 'berth.yaml'),
      [
        'runtime: node',
        'processes:',
        '  web:',
        '    command: node server.js',
        '    count: 1',
        'health:',
        '  path: /',
        '  status: 200',
        'env:',
        `  MARKER: ${marker}`,
        '',
      ].join('\n'),
    );
  });
}

const UPSTREAM_LAUNCHER = `// Runs nginx as this app's web process: the fast upstream of the gateway benchmark.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-upstream-'));
const listen = (process.env.HOST && process.env.HOST !== '0.0.0.0' ? process.env.HOST : '127.0.0.1') + ':' + process.env.PORT;
const template = fs.readFileSync(new URL('./nginx.conf.template', import.meta.url), 'utf8');
fs.writeFileSync(path.join(dir, 'nginx.conf'), template.replaceAll('__DIR__', dir).replaceAll('__LISTEN__', listen));
for (const sub of ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, sub));
const nginx = spawn(process.env.NGINX_BIN, ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'inherit' });
const stop = () => nginx.kill('SIGQUIT');
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
nginx.on('exit', (code) => {
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(code ?? 0);
});
`;

/** An app whose one web instance is a one-worker nginx answering UPSTREAM_BODY (bench/lib/nginx.ts). */
export function nginxUpstreamPackage(nginxConfigTemplate: string, nginxBin: string): Promise<Uint8Array> {
  return packTemp((dir) => {
    fs.writeFileSync(path.join(dir, 'upstream.js'), UPSTREAM_LAUNCHER);
    fs.writeFileSync(path.join(dir, 'nginx.conf.template'), nginxConfigTemplate);
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      `${JSON.stringify({ name: 'bench-upstream', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
    );
    fs.writeFileSync(
      path.join(dir, 'berth.yaml'),
      [
        'runtime: node',
        'processes:',
        '  web:',
        '    command: node upstream.js',
        '    count: 1',
        'health:',
        '  path: /',
        '  status: 200',
        'env:',
        `  NGINX_BIN: ${nginxBin}`,
        '',
      ].join('\n'),
    );
  });
}

/** Heroku's canonical Procfile app, `web: python3 -m http.server $PORT`: no SIGTERM handler of its
 *  own. Serves `marker.txt` holding `marker`; an empty requirements.txt makes it a Python app. */
export function httpServerProcfilePackage(marker: string): Promise<Uint8Array> {
  return packTemp((dir) => {
    fs.writeFileSync(path.join(dir, 'Procfile'), 'web: python3 -m http.server $PORT\n');
    fs.writeFileSync(path.join(dir, 'requirements.txt'), '');
    fs.writeFileSync(path.join(dir, 'marker.txt'), `${marker}\n`);
  });
}
