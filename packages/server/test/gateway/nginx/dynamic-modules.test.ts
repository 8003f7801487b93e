// Which modules berthd loads for dynamic upstreams (BERTH_NGINX_DYNAMIC_UPSTREAMS): `auto` uses
// them when both files are there, `on` requires them (naming what is missing), `off` and a system
// nginx never load them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { dynamicUpstreamModules, LUA_MODULES } from '../../../src/gateway/nginx/berthd-parts.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function settings(choice: string, files: readonly string[], mode = 'own') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-modules-'));
  dirs.push(dir);
  for (const file of files) fs.writeFileSync(path.join(dir, file), '');
  return loadConfig(
    {
      BERTH_GATEWAY: 'nginx',
      BERTH_NGINX_MODE: mode,
      BERTH_NGINX_DYNAMIC_UPSTREAMS: choice,
      BERTH_NGINX_MODULES_DIR: dir,
    },
    '/srv',
  ).gateway.nginx;
}

describe('dynamic upstream modules', () => {
  it('auto: loads both modules when they are installed, none when one is missing', () => {
    const all = settings('auto', LUA_MODULES);
    expect(dynamicUpstreamModules(all)).toEqual(LUA_MODULES.map((m) => path.join(all.modulesDir, m)));
    expect(dynamicUpstreamModules(settings('auto', [LUA_MODULES[0]]))).toBeUndefined();
  });

  it('on: requires them and names the missing file; off and a system nginx load none', () => {
    expect(() => dynamicUpstreamModules(settings('on', [LUA_MODULES[0]]))).toThrow(
      /ngx_http_lua_module\.so not found.*libnginx-mod-http-lua/,
    );
    expect(dynamicUpstreamModules(settings('off', LUA_MODULES))).toBeUndefined();
    expect(dynamicUpstreamModules(settings('auto', LUA_MODULES, 'system'))).toBeUndefined();
  });
});
