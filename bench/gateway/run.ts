// Compares the built-in gateway with nginx as a reverse proxy, both routing `/o/{app}/` over a
// 500-app table to one fast upstream (nginx returning 100 bytes), using wrk on loopback.
// Needs the Debian packages nginx and wrk. Usage:
//   node --import tsx bench/gateway/run.ts [--seconds 10] [--rounds 3] [--connections 50,200] [--workers 2]
// Prints req/s and p99 per setup (medians of the interleaved rounds) and the gateway/nginx ratios.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1]!);
const seconds = Number(args.get('seconds') ?? 10);
const rounds = Number(args.get('rounds') ?? 3);
const connectionsList = (args.get('connections') ?? '50,200').split(',').map(Number);
const workers = Number(args.get('workers') ?? os.availableParallelism());
const setups = (args.get('setups') ?? 'direct,nginx,gateway').split(',');
/** Extra node flags for the gateway processes, e.g. --node-flags=--max-semi-space-size=32 */
const nodeFlags = (args.get('node-flags') ?? '').split(' ').filter(Boolean);

const UPSTREAM = 18_081;
const NGINX_PROXY = 18_082;
const GATEWAY = 18_083;
const APP = 'app250';
const BODY = 'x'.repeat(99);

/** The fast upstream: one nginx worker answering 100 bytes. */
function upstreamConfig(dir: string): string {
  return `
worker_processes 1;
pid ${dir}/upstream.pid;
error_log ${dir}/upstream-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server { listen 127.0.0.1:${UPSTREAM}; location / { default_type text/plain; return 200 "${BODY}\\n"; } }
}
`;
}

/** nginx as the reverse proxy, with as many workers as the gateway has. */
function nginxConfig(dir: string): string {
  const upstreams: string[] = [];
  const locations: string[] = [];
  for (let i = 0; i < 500; i++) {
    upstreams.push(`upstream app${i} { server 127.0.0.1:${UPSTREAM}; keepalive 64; }`);
    locations.push(
      `location /o/app${i}/ { proxy_pass http://app${i}/; proxy_http_version 1.1; proxy_set_header Connection ""; ` +
        'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; ' +
        `proxy_set_header X-Forwarded-Prefix /o/app${i}; }`,
    );
  }
  return `
worker_processes ${workers};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  ${upstreams.join('\n  ')}
  server { listen 127.0.0.1:${NGINX_PROXY}; ${locations.join('\n    ')} }
}
`;
}

interface Result {
  rps: number;
  p99ms: number;
  errors: number;
}

function wrk(port: number, connections: number): Result {
  const out = execFileSync(
    'wrk',
    [
      '-t',
      '2',
      '-c',
      String(connections),
      '-d',
      `${seconds}s`,
      '--latency',
      `http://127.0.0.1:${port}/o/${APP}/`,
    ],
    { encoding: 'utf8' },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p99 = /99%\s+([\d.]+)(us|ms|s)/.exec(out);
  const unit = p99?.[2] === 'us' ? 0.001 : p99?.[2] === 's' ? 1000 : 1;
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps,
    p99ms: Number(p99?.[1] ?? Number.NaN) * unit,
    errors:
      Number(errors?.[1] ?? 0) +
      (socketErrors ? socketErrors.slice(1).reduce((s, n) => s + Number(n), 0) : 0),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));
  fs.writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(dir));
  fs.writeFileSync(path.join(dir, 'upstream.conf'), upstreamConfig(dir));
  const children: ChildProcess[] = [];
  const stopAll = () => {
    for (const child of children) child.kill('SIGTERM');
  };
  process.on('exit', stopAll);
  try {
    const nginx = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
      stdio: 'inherit',
    });
    children.push(nginx);
    const upstream = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'upstream.conf'), '-g', 'daemon off;'], {
      stdio: 'inherit',
    });
    children.push(upstream);
    const server = fileURLToPath(new URL('./gateway-server.ts', import.meta.url));
    const gateway = spawn(
      process.execPath,
      [...nodeFlags, '--import', 'tsx', server, String(GATEWAY), String(UPSTREAM), String(workers)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    children.push(gateway);
    await new Promise<void>((resolve) =>
      gateway.stdout!.on('data', (d: Buffer) => d.includes('ready') && resolve()),
    );

    const ports: Record<string, number> = { direct: UPSTREAM, nginx: NGINX_PROXY, gateway: GATEWAY };
    // Warm up every setup (JIT, pools), then interleave the measured rounds.
    for (const setup of setups)
      execFileSync('wrk', ['-t', '2', '-c', '50', '-d', '2s', `http://127.0.0.1:${ports[setup]}/o/${APP}/`]);
    for (const connections of connectionsList) {
      const results: Record<string, Result[]> = Object.fromEntries(setups.map((s) => [s, []]));
      for (let round = 0; round < rounds; round++) {
        for (const setup of setups) results[setup]!.push(wrk(ports[setup]!, connections));
      }
      process.stdout.write(
        `\n${connections} connections, ${rounds} x ${seconds}s, ${workers} worker(s) each\n`,
      );
      const summary: Record<string, { rps: number; p99ms: number }> = {};
      for (const setup of setups) {
        const r = results[setup]!;
        summary[setup] = { rps: median(r.map((x) => x.rps)), p99ms: median(r.map((x) => x.p99ms)) };
        const errors = r.reduce((s, x) => s + x.errors, 0);
        process.stdout.write(
          `  ${setup.padEnd(8)} ${summary[setup]!.rps.toFixed(0).padStart(8)} req/s   p99 ${summary[setup]!.p99ms.toFixed(2)} ms` +
            `   runs: ${r.map((x) => x.rps.toFixed(0)).join(', ')}${errors ? `   errors: ${errors}` : ''}\n`,
        );
      }
      if (summary['nginx'] && summary['gateway']) {
        process.stdout.write(
          `  gateway/nginx: throughput ${(summary['gateway'].rps / summary['nginx'].rps).toFixed(2)}x, ` +
            `p99 ${(summary['gateway'].p99ms / summary['nginx'].p99ms).toFixed(2)}x\n`,
        );
      }
    }
  } finally {
    stopAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
