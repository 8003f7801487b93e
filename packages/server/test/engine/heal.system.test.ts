// Self-healing: an instance that starts crash-looping after its deploy succeeded is replaced by a
// `start` deploy at the next heal pass, without operator action, once the cause is gone.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineFixture, nodeBerthYaml, packFiles, startEngineFixture } from './support.ts';

// `/break` leaves a marker in the app's home and exits; while the marker is there every start
// exits at once, so the driver's restarts end in crashloop.
const SERVER = `
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const marker = path.join(process.env.HOME, 'broken');
if (fs.existsSync(marker)) {
  console.error('broken: exiting');
  process.exit(1);
}
http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  if (req.url === '/home') return res.end(process.env.HOME);
  if (req.url === '/break') {
    fs.writeFileSync(marker, 'x');
    res.end('breaking');
    setTimeout(() => process.exit(1), 50);
    return;
  }
  res.end('healthy v' + process.env.BERTH_RELEASE);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

const BERTH_YAML = nodeBerthYaml({ count: 1, healthPath: '/healthz', startTimeout: '20s' });

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('healing crash-looping instances', () => {
  let f: EngineFixture;
  const code = 'healme';
  beforeAll(async () => {
    f = await startEngineFixture('sqlite', { BERTH_HEAL_INTERVAL: '1s' });
    await f.createApp(code);
  }, 60_000);
  afterAll(async () => f?.stop(), 60_000);

  it('replaces an instance that crash-loops after its deploy, once it can run again', async () => {
    await f.deploy(code, 'stag', await packFiles({ 'server.js': SERVER, 'berth.yaml': BERTH_YAML }));
    expect(await f.get(`/t/${code}/`)).toEqual({ status: 200, text: 'healthy v1' });
    const home = (await f.get(`/t/${code}/home`)).text;
    const [first] = await f.t.berthd.runtime.list({ app: code, env: 'stag' });

    await f.get(`/t/${code}/break`);
    await waitFor('the crash loop', async () => {
      const [info] = await f.t.berthd.runtime.list({ app: code, env: 'stag' });
      return info?.id === first!.id && info.state === 'crashloop' ? info : undefined;
    });
    // The cause goes away; the next heal pass replaces the crash-looping instance.
    fs.rmSync(path.join(home, 'broken'), { force: true });

    const healed = await waitFor('a start deploy that succeeds', async () => {
      const deploys = (await f.api('GET', `/api/v1/apps/${code}/envs/stag/deploys`)).body.deploys as {
        kind: string;
        status: string;
        createdBy: string;
      }[];
      return deploys.find((d) => d.kind === 'start' && d.status === 'succeeded');
    });
    expect(healed).toBeDefined();
    const [now] = await f.t.berthd.runtime.list({ app: code, env: 'stag' });
    expect(now?.id).not.toBe(first!.id);
    expect(now?.state).toBe('running');
    await waitFor('the app to serve', async () => {
      const res = await f.get(`/t/${code}/`);
      return res.status === 200 ? res : undefined;
    });
    expect(await f.get(`/t/${code}/`)).toEqual({ status: 200, text: 'healthy v1' });
  }, 180_000);
});
