// The nginx driver driving a "system" nginx: one it did not start and never stops, whose http block
// includes berthd's part (`{prefix}/current/http*.conf`), reloaded with `nginx -s reload`. The test
// plays the distribution's service with an nginx of its own configuration (not /etc/nginx). The
// access log in berthd's prefix is rotated, and the system nginx told to reopen it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GatewayApplyError } from '../../../src/gateway/driver.ts';
import { stillAccepting, workerPids } from '../../../src/gateway/nginx/nginx-process.ts';
import { send, startUpstream, waitFor } from '../support.ts';
import { freePort, NGINX, nginxDriver, nginxProcessesOf, nginxUnavailable } from './nginx-support.ts';
import { table } from './tables.ts';

const unavailable = nginxUnavailable('the system nginx tests');

describe.skipIf(unavailable !== null)('nginx driver: a system nginx', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('adds its part to the system configuration, reloads it, and leaves it running', async () => {
    const a = await startUpstream('a');
    cleanup.push(() => a.close());
    const sys = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sysnginx-'));
    fs.chmodSync(sys, 0o755);
    cleanup.push(() => fs.rmSync(sys, { recursive: true, force: true }));
    let broken = false;
    const n = await nginxDriver(cleanup, {
      mangleConfig: (text) => (broken ? `${text}\nno_such_directive on;\n` : text),
    });
    const otherPort = await freePort();
    const main = path.join(sys, 'nginx.conf');
    fs.writeFileSync(
      main,
      `pid ${sys}/nginx.pid;\nerror_log ${sys}/error.log;\nevents {}\nhttp {\n` +
        `  access_log off;\n  client_body_temp_path ${sys}/body;\n  proxy_temp_path ${sys}/proxy;\n` +
        `  server { listen 127.0.0.1:${otherPort}; return 200 "the system's own site"; }\n` +
        `  include ${n.prefix}/current/http*.conf;\n}\n`,
    );
    execFileSync(NGINX, ['-p', `${sys}/`, '-e', `${sys}/error.log`, '-c', main]);
    cleanup.push(() => {
      execFileSync(NGINX, ['-p', `${sys}/`, '-e', `${sys}/error.log`, '-c', main, '-s', 'stop']);
    });
    const systemPid = Number(fs.readFileSync(path.join(sys, 'nginx.pid'), 'utf8'));

    const driver = n.again({
      system: { configFile: main },
      logRotation: { maxBytes: 4096, keep: 1 },
      superviseIntervalMs: 50,
    });
    const route = (body: string) =>
      table([
        {
          id: 'o/shop',
          match: { pathPrefix: '/o/shop/' },
          target: { kind: 'proxy', upstreams: [a.spec()], stripPrefix: true },
          app: { code: 'shop', env: 'prod' },
        },
        {
          id: 'v',
          match: { path: '/v' },
          target: { kind: 'respond', status: 200, contentType: 'text/plain', body },
        },
      ]);
    await driver.start(route('one'), 1);
    expect((await send(n.port, '/v', { agent: false })).body.toString()).toBe('one');
    expect((await send(n.port, '/o/shop/x', { agent: false })).json().url).toBe('/x');
    expect((await send(otherPort, '/', { agent: false })).body.toString()).toBe("the system's own site");

    // The access log in berthd's prefix is rotated, and the system nginx reopens it
    // (`nginx -s reopen`): later requests go to the new live file.
    const logs = path.join(n.prefix, 'logs');
    for (let i = 0; i < 40; i++) await send(n.port, `/o/shop/rotate-${i}`, { agent: false });
    await waitFor(() => fs.existsSync(path.join(logs, 'access.json.1')), 15_000);
    // nginx made the new live file when it reopened (a line it buffered before goes to the old one).
    await waitFor(() => fs.existsSync(path.join(logs, 'access.json')), 15_000);
    // (A worker that has not reopened yet when the request comes writes it to the old file: the
    // requests go on until one reaches the new file.)
    let sent = 0;
    await waitFor(async () => {
      if (fs.readFileSync(path.join(logs, 'access.json'), 'utf8').includes('/o/shop/after-rotation'))
        return true;
      await send(n.port, `/o/shop/after-rotation-${sent++}`, { agent: false });
      await new Promise((resolve) => setTimeout(resolve, 300));
      return false;
    }, 15_000);
    expect(
      fs
        .readdirSync(logs)
        .filter((f) => f.startsWith('access.json'))
        .sort(),
    ).toEqual(['access.json', 'access.json.1']);

    // The apply holds only once the system master's workers of the last configuration accept no
    // more connections: the kernel could still hand them new ones, served from the old table.
    const before = workerPids(systemPid);
    expect(before.length).toBeGreaterThan(0);
    await driver.apply(route('two'), 2);
    expect(before.filter(stillAccepting)).toEqual([]);
    expect((await send(n.port, '/v', { agent: false })).body.toString()).toBe('two');

    broken = true;
    const error = await driver.apply(route('three'), 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayApplyError);
    expect((await send(n.port, '/v', { agent: false })).body.toString()).toBe('two');
    broken = false;

    await driver.close();
    // berthd never stops the system's nginx.
    expect(fs.readFileSync(`/proc/${systemPid}/cmdline`, 'utf8')).toContain('nginx: master process');
    expect((await send(n.port, '/v', { agent: false })).body.toString()).toBe('two');
    expect(nginxProcessesOf(n.prefix).length).toBeGreaterThan(0);
  });
});
