// Every golden table's configuration is one nginx itself accepts (`nginx -t`), with real
// certificates for the TLS one, and so is a table full of hostile values.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../../src/gateway/nginx/nginx-process.ts';
import { renderNginxConfig } from '../../../src/gateway/nginx/render.ts';
import type { GatewayTable } from '../../../src/gateway/route-model.ts';
import { makeCertificate } from '../contract/certificates.ts';
import { luaModulesForTests, NGINX, nginxUnavailable } from './nginx-support.ts';
import { goldenSettings, goldenTables, table } from './tables.ts';

const unavailable = nginxUnavailable('the nginx -t tests of rendered configurations');
const luaModules =
  unavailable === null ? luaModulesForTests('nginx -t of configurations with dynamic upstreams') : null;

describe.skipIf(unavailable !== null)('rendered configurations pass nginx -t', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function accepted(t: GatewayTable, https: boolean, dynamic = false): Promise<string | null> {
    const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-nginx-t-'));
    dirs.push(prefix);
    for (const sub of ['logs', 'tmp']) fs.mkdirSync(path.join(prefix, sub));
    const confDir = path.join(prefix, 'conf', '1');
    const settings = goldenSettings({
      prefix,
      confDir,
      accessLog: path.join(prefix, 'logs', 'access.json'),
      controlSocket: path.join(prefix, 'control.sock'),
      ...(https ? { https: { host: '127.0.0.1', port: 8443 } } : {}),
      ...(dynamic
        ? { dynamicUpstreams: { modules: luaModules!, dataFile: path.join(prefix, 'upstreams.txt') } }
        : {}),
    });
    for (const [name, file] of renderNginxConfig(t, settings)) {
      const target = path.join(confDir, name);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, file.content, { mode: file.mode });
    }
    return testConfig({ binary: NGINX, prefix }, path.join(confDir, 'nginx.conf'));
  }

  for (const [name, t] of Object.entries(goldenTables(() => 4000))) {
    it(name, async () => {
      const certificates = [];
      for (const c of t.certificates ?? []) {
        const made = await makeCertificate(c.id, c.names);
        certificates.push({ ...c, certPem: made.certPem, keyPem: made.keyPem });
      }
      const withCerts = { ...t, certificates };
      expect(await accepted(withCerts, name.startsWith('tls'))).toBeNull();
      if (luaModules !== null) expect(await accepted(withCerts, name.startsWith('tls'), true)).toBeNull();
    });
  }

  it('a table of hostile values', async () => {
    const t = table([
      {
        id: 'evil',
        match: { path: "/x;'$(){}" },
        target: {
          kind: 'respond',
          status: 200,
          contentType: 'text/plain',
          body: '"; } server { $host \\ {\n\t',
        },
      },
      {
        id: 'o/r',
        match: { pathPrefix: "/o/r$x;'()/" },
        target: { kind: 'redirect', to: '/a$host;{}', status: 302, keepPath: true },
      },
      {
        id: 's',
        match: { pathPrefix: '/s/' },
        target: { kind: 'static', site: { root: '/srv/"a; }', index: 'in"dex.html', spa: true } },
      },
    ]);
    expect(await accepted(t, false)).toBeNull();
  });
});
