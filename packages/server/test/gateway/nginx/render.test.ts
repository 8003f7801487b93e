// The nginx renderer against golden files (golden/*.conf; rewrite them with UPDATE_GOLDEN=1 after
// checking the difference), and its handling of hostile table values: quoted, escaped or refused,
// never nginx syntax. The system tests (nginx-driver.system.test.ts) have nginx itself load these.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NginxRenderError } from '../../../src/gateway/nginx/nginx-syntax.ts';
import { DATA_FILES, renderNginxConfig } from '../../../src/gateway/nginx/render.ts';
import { checkGatewayTable } from '../../../src/gateway/route-model.ts';
import { goldenSettings, goldenTables, table } from './tables.ts';

const GOLDEN = path.join(import.meta.dirname, 'golden');
const PORTS: Record<string, number> = {};
const fixedPort = (name: string) => {
  PORTS[name] ??= 4000 + Object.keys(PORTS).length;
  return PORTS[name]!;
};

/** The rendered files as one text: configuration files in full, the others by name and mode. */
function asText(files: Map<string, { content: string; mode: number }>): string {
  const parts: string[] = [];
  for (const name of [...files.keys()].sort()) {
    const file = files.get(name)!;
    const mode = file.mode.toString(8);
    if (name.endsWith('.conf') || name.endsWith('.txt'))
      parts.push(`# ==== ${name} (${mode})\n${file.content}`);
    else parts.push(`# ==== ${name} (${mode}, ${file.content.length} characters)`);
  }
  return `${parts.join('\n')}\n`;
}

describe('nginx renderer: golden files', () => {
  const tables = goldenTables(fixedPort);
  for (const [name, t] of Object.entries(tables)) {
    it(name, () => {
      checkGatewayTable(t);
      const https = name.startsWith('tls') ? { https: { host: '0.0.0.0', port: 8443 } } : {};
      const text = asText(renderNginxConfig(t, goldenSettings(https)));
      const file = path.join(GOLDEN, `${name}.conf`);
      if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(file, text);
      expect(fs.existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(text).toBe(fs.readFileSync(file, 'utf8'));
    });
  }
  // Dynamic upstreams: blocks named by app environment, with no server; the servers are data.
  for (const name of ['app-prod-stag', 'weights-backup-down', 'platform-catch-all']) {
    it(`${name}, dynamic upstreams`, () => {
      const settings = goldenSettings({ dynamicUpstreams: DYNAMIC });
      const text = asText(renderNginxConfig(tables[name]!, settings));
      const file = path.join(GOLDEN, `dynamic-${name}.conf`);
      if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(file, text);
      expect(fs.existsSync(file), `${file} missing: run with UPDATE_GOLDEN=1`).toBe(true);
      expect(text).toBe(fs.readFileSync(file, 'utf8'));
    });
  }
});

const DYNAMIC = {
  modules: ['/usr/lib/nginx/modules/ndk_http_module.so', '/usr/lib/nginx/modules/ngx_http_lua_module.so'],
  dataFile: '/var/lib/berth/nginx/upstreams.txt',
};

describe('nginx renderer: dynamic upstreams', () => {
  const moved = (port: number) =>
    table([
      {
        id: 'o/shop',
        match: { pathPrefix: '/o/shop/' },
        target: {
          kind: 'proxy',
          upstreams: [
            { id: `shop-${port}`, host: '127.0.0.1', port, weight: 3 },
            { id: 'shop-b', host: '10.0.0.2', port: 4100, backup: true },
            { id: 'shop-d', host: '10.0.0.3', port: 4101, down: true },
          ],
          stripPrefix: true,
        },
        app: { code: 'shop', env: 'prod' },
      },
    ]);
  const render = (t: ReturnType<typeof table>, seq: number) =>
    renderNginxConfig(t, goldenSettings({ dynamicUpstreams: DYNAMIC, seq, controlToken: `${seq} x` }));

  it('changes only the data files when only the servers change', () => {
    const a = render(moved(4001), 1);
    const b = render(moved(4002), 2);
    for (const name of new Set([...a.keys(), ...b.keys()])) {
      if (DATA_FILES.includes(name)) continue;
      expect(b.get(name)?.content, name).toBe(a.get(name)?.content);
    }
    expect(b.get('upstreams.txt')!.content).not.toBe(a.get('upstreams.txt')!.content);
    // The down server is left out; a live backup stays a backup.
    expect(b.get('upstreams.txt')!.content).toMatch(
      /^berth-upstreams 1\nseq 2\nupstream u_shop_prod_[0-9a-f]{10}\nserver 127\.0\.0\.1 4002 3 0\nserver 10\.0\.0\.2 4100 1 1\nend\n$/,
    );
  });

  it('keeps a static block for servers named by host name (the balancer does not resolve names)', () => {
    const t = table([
      {
        id: 'o/shop',
        match: { pathPrefix: '/o/shop/' },
        target: {
          kind: 'proxy',
          upstreams: [{ id: 'n', host: 'app.internal', port: 80 }],
          stripPrefix: true,
        },
        app: { code: 'shop', env: 'prod' },
      },
    ]);
    const files = render(t, 1);
    expect(files.get('nginx.conf')!.content).toContain('server app.internal:80 max_fails=1');
    expect(files.get('upstreams.txt')!.content).toBe('berth-upstreams 1\nseq 1\nend\n');
  });

  it("is refused for a system nginx, and refuses what Lua's long strings cannot hold", () => {
    expect(() =>
      renderNginxConfig(table([]), goldenSettings({ dynamicUpstreams: DYNAMIC, mode: 'system' })),
    ).toThrow(NginxRenderError);
    expect(() =>
      renderNginxConfig(
        table([]),
        goldenSettings({ dynamicUpstreams: { ...DYNAMIC, dataFile: '/srv/]==]os.exit()--' } }),
      ),
    ).toThrow(NginxRenderError);
  });
});

describe('nginx renderer: client variables', () => {
  it('runs no map over what clients send when no proxy is trusted', () => {
    const t = goldenTables(fixedPort)['app-prod-stag']!;
    const files = renderNginxConfig(t, goldenSettings({ trustedProxies: [] }));
    const main = files.get('nginx.conf')!.content;
    const proxy = files.get('proxy-common.conf')!.content;
    expect(main).not.toContain('$berth_peer_trusted');
    expect(main).not.toContain('$http_x_request_id');
    expect(main).toContain('map $request_id $berth_request_id {');
    expect(proxy).toContain('proxy_set_header X-Forwarded-For $remote_addr;');
    expect(proxy).toContain('proxy_set_header X-Forwarded-Proto $scheme;');
    expect(proxy).toContain('proxy_set_header X-Forwarded-Host $http_host;');
    expect(proxy).toContain('proxy_set_header X-Request-Id $berth_request_id;');
    expect(files.get('server-common.conf')!.content).not.toContain('real_ip_header');
  });
});

describe('nginx renderer: hostile values', () => {
  it('writes respond bodies, redirect targets and the platform secret as literal text', () => {
    const t = table([
      {
        id: 'evil',
        match: { path: '/x' },
        target: {
          kind: 'respond',
          status: 200,
          contentType: 'text/plain',
          body: '"; } server { listen 1; } $host \\ {\n',
        },
      },
      {
        id: 'o/r',
        match: { pathPrefix: "/o/r$x;'()/" },
        target: { kind: 'redirect', to: '/a$host;{}', status: 302, keepPath: true },
      },
    ]);
    checkGatewayTable(t);
    const conf = renderNginxConfig(
      t,
      goldenSettings({ platformSecret: { header: 'X-S', value: '"; return 200 $x;' } }),
    ).get('nginx.conf')!.content;
    expect(conf).toContain(`return 200 "\\"; } server { listen 1; } \${berth_dollar}host \\\\ {\\n";`);
    expect(conf).toContain(`location ^~ "/o/r$x;'()/"`);
    expect(conf).toContain(`"/a\${berth_dollar}host;{}$berth_rest"`);
    expect(conf).not.toContain('server { listen 1; }\n');
  });

  it('refuses what it cannot write safely', () => {
    const proxyTo = (host: string) =>
      table([
        {
          id: 'o/a',
          match: { pathPrefix: '/o/a/' },
          target: { kind: 'proxy', upstreams: [{ id: 'i', host, port: 80 }], stripPrefix: true },
        },
      ]);
    expect(() => renderNginxConfig(proxyTo('127.0.0.1; include /etc/passwd'), goldenSettings())).toThrow(
      NginxRenderError,
    );
    expect(() => renderNginxConfig(proxyTo('a b'), goldenSettings())).toThrow(NginxRenderError);
    const staticAt = (root: string) =>
      table([
        {
          id: 'o/s',
          match: { pathPrefix: '/o/s/' },
          target: { kind: 'static', site: { root, index: 'index.html', spa: false } },
        },
      ]);
    expect(() => renderNginxConfig(staticAt('/srv/$document_root'), goldenSettings())).toThrow(
      NginxRenderError,
    );
    expect(() => renderNginxConfig(staticAt('/srv/a\nb'), goldenSettings())).toThrow(NginxRenderError);
    expect(renderNginxConfig(staticAt('/srv/"a; }'), goldenSettings()).get('nginx.conf')!.content).toContain(
      'alias "/srv/\\"a; }/";',
    );
    expect(() =>
      renderNginxConfig(table([]), goldenSettings({ trustedProxies: ['10.0.0.0/8; allow all'] })),
    ).toThrow(NginxRenderError);
    expect(() =>
      renderNginxConfig(table([]), goldenSettings({ platformSecret: { header: 'X Y', value: 'v' } })),
    ).toThrow(NginxRenderError);
  });

  it('names upstream blocks and certificate files from digests of the ids', () => {
    const t = table(
      [
        {
          id: 'host/a.example.com',
          match: { host: 'a.example.com' },
          target: {
            kind: 'proxy',
            upstreams: [{ id: '../../x y', host: '::1', port: 80 }],
            stripPrefix: false,
          },
          app: { code: 'shop', env: 'prod' },
        },
      ],
      {
        certificates: [
          {
            id: '../../etc/passwd',
            certPem: '-----BEGIN CERTIFICATE-----\n',
            keyPem: '-----BEGIN PRIVATE KEY-----\n',
            names: ['a.example.com'],
            notAfter: '2030-01-01T00:00:00Z',
          },
        ],
      },
    );
    checkGatewayTable(t);
    const files = renderNginxConfig(t, goldenSettings({ https: { host: '0.0.0.0', port: 8443 } }));
    for (const name of files.keys()) expect(name).toMatch(/^([A-Za-z0-9_-]+\/)?[A-Za-z0-9_.-]+$/);
    expect(files.get('nginx.conf')!.content).toContain('server [::1]:80');
    const key = [...files.entries()].find(([name]) => name.endsWith('.key'))!;
    expect(key[1].mode).toBe(0o600);
  });

  it('refuses routes under the error pages URI', () => {
    const t = table([
      {
        id: 'x',
        match: { pathPrefix: '/.berth-gateway-error/' },
        target: { kind: 'respond', status: 200, contentType: 'text/plain', body: '' },
      },
    ]);
    expect(() => renderNginxConfig(t, goldenSettings())).toThrow(NginxRenderError);
  });
});
