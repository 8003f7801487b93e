// Health checks are the control plane's: berthd checks each instance of a served environment with
// the release's health settings, and when one fails `fall` times in a row the gateway table is
// applied again with that instance `down` (the gateway sends it nothing) and the API's instance
// view says it is unhealthy; once it passes `rise` times it is back in both.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayRoute } from '../../src/gateway/index.ts';
import { type EngineFixture, nodeBerthYaml, packFiles, startEngineFixture } from './support.ts';

const SERVER = `
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const http = require('node:http');
const port = process.env.PORT;
http.createServer((req, res) => {
  if (req.url === '/healthz') {
    if (fs.existsSync(path.join(process.env.SICK_DIR, port))) { res.statusCode = 500; return res.end('sick'); }
    return res.end('ok');
  }
  res.end('served by ' + port);
}).listen(Number(port), '127.0.0.1');
`;

interface InstanceView {
  id: string;
  address: string;
  healthy: boolean;
}

describe('control-plane health checks of app instances', () => {
  let f: EngineFixture;
  let sickDir: string;
  beforeAll(async () => {
    sickDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-sick-'));
    // Apps may run as users of their own (berthd as root): they must see into it.
    fs.chmodSync(sickDir, 0o755);
    f = await startEngineFixture('sqlite');
    await f.createApp('hc');
    const yaml = `${nodeBerthYaml({ count: 2, healthPath: '/healthz', env: { SICK_DIR: sickDir } })}`.replace(
      'health:\n  path: /healthz\n',
      'health:\n  path: /healthz\n  interval: 1s\n',
    );
    await f.deploy(
      'hc',
      'prod',
      await packFiles({
        'package.json': JSON.stringify({ name: 'hc', version: '1.0.0', private: true }),
        'server.js': SERVER,
        'berth.yaml': yaml,
      }),
    );
  }, 180_000);
  afterAll(async () => {
    await f?.stop();
    if (sickDir) fs.rmSync(sickDir, { recursive: true, force: true });
  }, 60_000);

  async function instances(): Promise<InstanceView[]> {
    const res = await f.api('GET', '/api/v1/apps/hc/envs/prod/instances');
    return res.body.instances as InstanceView[];
  }

  function downInTable(): string[] {
    const route = f.t.berthd.engine.tables
      .current()!
      .table.routes.find((r: GatewayRoute) => r.id === 'o/hc')!;
    return route.target.kind === 'proxy' ? route.target.upstreams.filter((u) => u.down).map((u) => u.id) : [];
  }

  it('takes a failing instance out of the table and the instance view, and brings it back', async () => {
    const before = await instances();
    expect(before).toHaveLength(2);
    expect(before.every((i) => i.healthy)).toBe(true);
    const [sick, well] = before as [InstanceView, InstanceView];
    const sickPort = sick.address.split(':').at(-1)!;
    const wellPort = well.address.split(':').at(-1)!;

    fs.writeFileSync(path.join(sickDir, sickPort), '');
    await expect.poll(downInTable, { timeout: 30_000, interval: 200 }).toEqual([sick.id]);
    const views = await instances();
    expect(views.find((i) => i.id === sick.id)?.healthy).toBe(false);
    expect(views.find((i) => i.id === well.id)?.healthy).toBe(true);
    for (let i = 0; i < 10; i++) {
      const res = await f.get('/o/hc/');
      expect([res.status, res.text]).toEqual([200, `served by ${wellPort}`]);
    }

    fs.rmSync(path.join(sickDir, sickPort));
    await expect.poll(downInTable, { timeout: 30_000, interval: 200 }).toEqual([]);
    expect((await instances()).every((i) => i.healthy)).toBe(true);
    const served = new Set<string>();
    for (let i = 0; i < 10; i++) served.add((await f.get('/o/hc/')).text);
    expect(served).toEqual(new Set([`served by ${sickPort}`, `served by ${wellPort}`]));
  }, 120_000);
});
