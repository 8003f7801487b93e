// kill -9 of berthd: the apps keep running and serve again through the next berthd on the same data
// dir without operator action; a deploy interrupted mid-build is taken over at once (not after its
// lease) and ends, never stuck, and what the interrupted build left running is gone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../jobs/processes.ts';
import { systemDialects } from '../support/databases.ts';
import { killableSurroundings, startKillable } from './killable.ts';
import { packFiles, tinyApp } from './support.ts';

describe.each(systemDialects())('kill -9 on %s', (dialect) => {
  const around = killableSurroundings(dialect, 'berth-kill-');
  const running = around.running;

  it('the app serves again after berthd is killed, and an interrupted deploy finishes', async () => {
    const env = await around.env();
    const start = () => startKillable(env, 'k9', running);

    // 1. Deploy, then kill berthd while the app serves.
    const a = await start();
    expect((await a.api('POST', '/api/v1/apps', { code: 'k9', name: 'k9' })).app.code).toBe('k9');
    const first = await a.upload(await tinyApp({ text: 'alive' }));
    expect((await a.waitFor(first.id, ['succeeded', 'failed'])).status).toBe('succeeded');
    expect(await a.serves()).toBe('alive v1');
    const before = (await a.api('GET', '/api/v1/apps/k9/envs/stag/instances')).instances.map(
      (i: { id: string }) => i.id,
    );
    a.p.child.kill('SIGKILL');
    await a.p.exited;

    // 2. The next berthd adopts the running instances and serves them again.
    const b = await start();
    expect(await b.serves()).toBe('alive v1');
    const adopted = (await b.api('GET', '/api/v1/apps/k9/envs/stag/instances')).instances;
    expect(adopted.map((i: { id: string }) => i.id).sort()).toEqual([...before].sort());

    // 3. Kill berthd in the middle of a deploy (its build sleeps, and leaves a process behind).
    const marker = path.join(os.tmpdir(), `berth-k9-left-${process.pid}-${dialect}`);
    fs.rmSync(marker, { force: true });
    const slow = await packFiles({
      'package.json': JSON.stringify({ name: 'slow', version: '1.0.0', private: true }),
      'server.js': `require('node:http').createServer((q, s) => s.end(q.url === '/healthz' ? 'ok' : 'slow v' + process.env.BERTH_RELEASE)).listen(Number(process.env.PORT), '127.0.0.1');`,
      'sleep.js': [
        "const { spawn } = require('node:child_process');",
        "const left = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300000)'], { detached: true, stdio: 'ignore' });",
        'left.unref();',
        "require('node:fs').appendFileSync(process.env.MARKER, left.pid + '\\n');",
        'setTimeout(() => {}, 2500);',
      ].join('\n'),
      'berth.yaml': `runtime: node\nbuild: node sleep.js\nprocesses:\n  web: node server.js\nhealth:\n  path: /healthz\nenv:\n  MARKER: ${marker}\n`,
    });
    const second = await b.upload(slow);
    await b.waitFor(second.id, ['running']);
    await new Promise((r) => setTimeout(r, 800));
    b.p.child.kill('SIGKILL');
    await b.p.exited;

    // 4. The next berthd serves the app at once and takes the deploy over at once (the lease has
    // minutes left); the interrupted build's leftover process is gone.
    const c = await start();
    expect(['alive v1', 'slow v2']).toContain(await c.serves());
    const ended = await c.waitFor(second.id, ['succeeded', 'failed', 'cancelled']);
    const leftPids = fs.readFileSync(marker, 'utf8').trim().split('\n').map(Number);
    expect(leftPids.length).toBeGreaterThan(0);
    for (const pid of leftPids) expect(isAlive(pid), `leftover ${pid}`).toBe(false);
    fs.rmSync(marker, { force: true });
    expect(['succeeded', 'failed']).toContain(ended.status);
    // The build record the killed attempt started was taken over, and ended with its deploy.
    const builds = (await c.api('GET', '/api/v1/apps/k9/builds')).builds as Array<{
      deployId: string;
      status: string;
    }>;
    expect(builds.filter((x) => x.deployId === second.id).map((x) => x.status)).toEqual([ended.status]);
    expect(builds.some((x) => x.status === 'running')).toBe(false);
    const log = (await c.api('GET', `/api/v1/deploys/${second.id}/logs`)).lines.map(
      (l: { line: string }) => l.line,
    );
    expect(log).toContain('-----> Resuming (attempt 2)');
    const text = await c.serves();
    expect(text).toBe(ended.status === 'succeeded' ? 'slow v2' : 'alive v1');
    const instances = (await c.api('GET', '/api/v1/apps/k9/envs/stag/instances')).instances;
    expect(instances.every((i: { healthy: boolean }) => i.healthy)).toBe(true);

    // Clean up: stop the app through the API, then berthd.
    const stop = await c.api('POST', '/api/v1/apps/k9/envs/stag/stop');
    await c.waitFor(stop.deploy.id, ['succeeded', 'failed']);
    c.p.child.kill('SIGTERM');
    await c.p.exited;
  }, 200_000);
});
