import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, childEnvironment, loadConfig, parseDuration } from '../src/config.ts';

describe('config', () => {
  it('has embedded defaults: port 8080, ./.berth, SQLite in the data dir', () => {
    const config = loadConfig({}, '/srv/x');
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe('/srv/x/.berth');
    expect(config.database).toEqual({ dialect: 'sqlite', file: path.join('/srv/x/.berth', 'berth.db') });
    expect(config.adminPassword).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.jobs)).toBe(true);
  });

  it('reads postgres and mysql URLs', () => {
    expect(loadConfig({ BERTH_DATABASE_URL: 'postgres://u@h:5432/db' }).database.dialect).toBe('postgres');
    expect(loadConfig({ BERTH_DATABASE_URL: 'mysql://root@h/db' }).database.dialect).toBe('mysql');
    expect(loadConfig({ BERTH_DATABASE_URL: 'mariadb://root@h/db' }).database).toEqual({
      dialect: 'mysql',
      url: 'mysql://root@h/db',
    });
  });

  it.each([
    ['BERTH_PORT', 'eighty'],
    ['BERTH_PORT', '70000'],
    ['BERTH_DATABASE_URL', 'oracle://x/y'],
    ['BERTH_DATABASE_URL', 'not a url'],
    ['BERTH_ADMIN_PASSWORD', 'short'],
    ['BERTH_ADMIN_PASSWORD', 'password123'],
    ['BERTH_ADMIN_PASSWORD', 'zzzzzzzzzzzz'],
    ['BERTH_ADMIN_PASSWORD', 'Admin'],
    ['BERTH_LOGIN_MAX_FAILURES_USER', '5'],
    ['BERTH_LOGIN_BACKOFF', 'soon'],
    ['BERTH_LOGIN_CONCURRENCY', '0'],
    ['BERTH_SECRET_KEY', 'dG9vc2hvcnQ='],
    ['BERTH_LOG_LEVEL', 'loud'],
    ['BERTH_SESSION_TTL', '12 parsecs'],
    ['BERTH_COOKIE_SECURE', 'true'],
    ['BERTH_PUBLIC_URL', 'ftp://x'],
    ['BERTH_PUBLIC_URL', 'https://user@console.example.com'],
    ['BERTH_APPS_URL', 'not a url'],
    ['BERTH_APPS_URL', 'http://localhost:8080'],
    ['BERTH_APPS_PORT', '8080'],
    ['BERTH_SHARED_ORIGIN', 'perhaps'],
  ])('refuses %s=%s with an error naming the setting', (setting, value) => {
    let caught: unknown;
    try {
      loadConfig({ [setting]: value });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).setting).toBe(setting);
    expect((caught as ConfigError).message).toContain(setting);
  });

  it('gives the console and the apps an origin each by default', () => {
    const c = loadConfig({});
    expect([c.port, c.appsPort, c.sharedOrigin]).toEqual([8080, 8081, false]);
    expect([c.publicUrl, c.appsUrl]).toEqual(['http://localhost:8080', 'http://localhost:8081']);
    const moved = loadConfig({ BERTH_PORT: '9000' });
    expect([moved.appsPort, moved.appsUrl]).toEqual([9001, 'http://localhost:9001']);
    expect(loadConfig({ BERTH_PORT: '0' }).appsPort).toBe(0);
    const named = loadConfig({
      BERTH_PUBLIC_URL: 'https://console.example.com/',
      BERTH_APPS_URL: 'https://apps.example.com',
      BERTH_APPS_DOMAIN: 'apps.example.com',
    });
    expect([named.publicUrl, named.appsUrl]).toEqual([
      'https://console.example.com',
      'https://apps.example.com',
    ]);
  });

  it('serves apps on the console origin only when BERTH_SHARED_ORIGIN says so', () => {
    expect(() => loadConfig({ BERTH_APPS_URL: 'http://localhost:8080/apps' })).toThrow(
      /^BERTH_APPS_URL: is the console's origin/,
    );
    const shared = loadConfig({ BERTH_SHARED_ORIGIN: 'true' });
    expect([shared.sharedOrigin, shared.appsUrl]).toEqual([true, 'http://localhost:8080']);
    expect(loadConfig({ BERTH_SHARED_ORIGIN: 'true', BERTH_APPS_PORT: '8080' }).sharedOrigin).toBe(true);
  });

  it('refuses a console host name that is an app host name under BERTH_APPS_DOMAIN', () => {
    expect(() =>
      loadConfig({
        BERTH_PUBLIC_URL: 'https://console.apps.example.com',
        BERTH_APPS_DOMAIN: 'apps.example.com',
      }),
    ).toThrow(/^BERTH_PUBLIC_URL: console\.apps\.example\.com is an app host name/);
  });

  it('makes the session cookie Secure on https and loopback consoles, not on other plain-http ones', () => {
    expect(loadConfig({}).cookieSecure).toBe(true);
    expect(loadConfig({ BERTH_PUBLIC_URL: 'http://127.0.0.1:8080' }).cookieSecure).toBe(true);
    expect(loadConfig({ BERTH_PUBLIC_URL: 'https://console.example.com' }).cookieSecure).toBe(true);
    expect(loadConfig({ BERTH_PUBLIC_URL: 'http://berth.internal:8080' }).cookieSecure).toBe(false);
  });

  it('has login limits with defaults', () => {
    const { login } = loadConfig({});
    expect(login).toMatchObject({
      windowMs: 900_000,
      freeFailures: 5,
      backoffMs: 30_000,
      maxFailuresPerAddress: 20,
    });
    expect(login.concurrency).toBeGreaterThanOrEqual(1);
    expect(
      loadConfig({ BERTH_LOGIN_FREE_FAILURES: '3', BERTH_LOGIN_CONCURRENCY: '4', BERTH_LOGIN_QUEUE: '0' })
        .login,
    ).toMatchObject({ freeFailures: 3, concurrency: 4, queue: 0 });
  });

  it('gives child processes the environment without any BERTH_ setting', () => {
    const child = childEnvironment({
      PATH: '/usr/bin',
      BERTH_ADMIN_PASSWORD: 'secret',
      BERTH_PORT: '1',
      LANG: 'C',
    });
    expect(child).toEqual({
      PATH: '/usr/bin',
      BERTH_ADMIN_PASSWORD: undefined,
      BERTH_PORT: undefined,
      LANG: 'C',
    });
  });

  it('parses durations with units', () => {
    expect(parseDuration('X', '500ms')).toBe(500);
    expect(parseDuration('X', '30')).toBe(30_000);
    expect(parseDuration('X', '15m')).toBe(900_000);
    expect(parseDuration('X', '2d')).toBe(172_800_000);
  });
});

describe('nginx gateway settings', () => {
  it('defaults to its own nginx in the data dir, Debian binary, a worker per core', () => {
    const config = loadConfig({ BERTH_GATEWAY: 'nginx', BERTH_DATA_DIR: '/var/lib/berth' }, '/srv');
    expect(config.gateway.driver).toBe('nginx');
    expect(config.gateway.nginx).toEqual({
      binary: '/usr/sbin/nginx',
      mode: 'own',
      systemConfig: '/etc/nginx/nginx.conf',
      workerProcesses: 'auto',
      prefix: '/var/lib/berth/nginx',
      dynamicUpstreams: 'auto',
      modulesDir: '/usr/lib/nginx/modules',
      logRotation: { maxBytes: 64 * 1024 * 1024, keep: 3 },
    });
  });

  it('reads when the nginx logs are rotated and how many are kept', () => {
    const config = loadConfig(
      { BERTH_GATEWAY: 'nginx', BERTH_NGINX_LOG_MAX_MB: '5', BERTH_NGINX_LOG_KEEP: '7' },
      '/srv',
    );
    expect(config.gateway.nginx.logRotation).toEqual({ maxBytes: 5 * 1024 * 1024, keep: 7 });
    expect(() => loadConfig({ BERTH_NGINX_LOG_MAX_MB: '0' }, '/srv')).toThrow(/BERTH_NGINX_LOG_MAX_MB/);
    expect(() => loadConfig({ BERTH_NGINX_LOG_KEEP: '0' }, '/srv')).toThrow(/BERTH_NGINX_LOG_KEEP/);
    expect(() => loadConfig({ BERTH_NGINX_LOG_MAX_MB: '1.5' }, '/srv')).toThrow(/whole number/);
  });

  it('reads BERTH_NGINX_DYNAMIC_UPSTREAMS and the modules directory, and refuses what cannot work', () => {
    const config = loadConfig(
      { BERTH_GATEWAY: 'nginx', BERTH_NGINX_DYNAMIC_UPSTREAMS: 'Off', BERTH_NGINX_MODULES_DIR: 'mods' },
      '/srv',
    );
    expect(config.gateway.nginx).toMatchObject({ dynamicUpstreams: 'off', modulesDir: '/srv/mods' });
    expect(() =>
      loadConfig({ BERTH_GATEWAY: 'nginx', BERTH_NGINX_DYNAMIC_UPSTREAMS: 'yes' }, '/srv'),
    ).toThrow(/BERTH_NGINX_DYNAMIC_UPSTREAMS.*auto, on or off/);
    expect(() =>
      loadConfig(
        { BERTH_GATEWAY: 'nginx', BERTH_NGINX_MODE: 'system', BERTH_NGINX_DYNAMIC_UPSTREAMS: 'on' },
        '/srv',
      ),
    ).toThrow(/BERTH_NGINX_DYNAMIC_UPSTREAMS.*own nginx/);
  });

  it('reads the mode, the system config, the binary and the workers', () => {
    const config = loadConfig(
      {
        BERTH_GATEWAY: 'nginx',
        BERTH_NGINX_MODE: 'System',
        BERTH_NGINX_CONFIG: 'etc/nginx.conf',
        BERTH_NGINX_BINARY: 'bin/nginx',
        BERTH_GATEWAY_WORKERS: '3',
      },
      '/srv',
    );
    expect(config.gateway.nginx).toMatchObject({
      mode: 'system',
      systemConfig: '/srv/etc/nginx.conf',
      binary: '/srv/bin/nginx',
      workerProcesses: 3,
    });
    expect(config.gatewayWorkers).toBe(3);
    expect(loadConfig({ BERTH_GATEWAY_WORKERS: 'auto' }).gatewayWorkers).toBe(loadConfig({}).gatewayWorkers);
    expect(() => loadConfig({ BERTH_NGINX_MODE: 'shared' })).toThrow(
      /BERTH_NGINX_MODE: "shared" is not a mode/,
    );
    expect(() => loadConfig({ BERTH_GATEWAY_WORKERS: 'many' })).toThrow(/BERTH_GATEWAY_WORKERS/);
  });

  it('refuses BERTH_TRUST_PROXY=true with nginx, which takes only addresses and ranges', () => {
    expect(() => loadConfig({ BERTH_GATEWAY: 'nginx', BERTH_TRUST_PROXY: 'true' })).toThrow(
      /BERTH_TRUST_PROXY: true \(every non-loopback peer\) cannot be expressed with BERTH_GATEWAY=nginx/,
    );
    expect(loadConfig({ BERTH_GATEWAY: 'nginx', BERTH_TRUST_PROXY: '10.0.0.0/8' }).trustProxy).toEqual([
      '10.0.0.0/8',
    ]);
    expect(loadConfig({ BERTH_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });
});

describe('runtime settings', () => {
  it('has defaults and reads units', () => {
    expect(loadConfig({}).runtime).toEqual({
      driver: 'process',
      docker: { socket: '/var/run/docker.sock', debianMirror: 'http://deb.debian.org/debian' },
      registry: { kind: 'off' },
      registryGcIntervalMs: 86_400_000,
      uidBase: 880_000,
      stopGraceMs: 10_000,
      logMaxBytes: 10 * 1024 * 1024,
      logFiles: 3,
      logRetentionMs: 7 * 86_400_000,
    });
    const c = loadConfig({
      BERTH_STOP_GRACE: '3s',
      BERTH_UID_BASE: '2000000',
      BERTH_LOG_MAX_SIZE: '1M',
      BERTH_LOG_FILES: '0',
      BERTH_LOG_RETENTION: '1d',
      BERTH_REGISTRY_GC_INTERVAL: 'off',
    });
    expect(c.runtime).toEqual({
      driver: 'process',
      docker: { socket: '/var/run/docker.sock', debianMirror: 'http://deb.debian.org/debian' },
      registry: { kind: 'off' },
      registryGcIntervalMs: 0,
      uidBase: 2_000_000,
      stopGraceMs: 3000,
      logMaxBytes: 1024 * 1024,
      logFiles: 0,
      logRetentionMs: 86_400_000,
    });
  });

  it.each([
    ['BERTH_LOG_MAX_SIZE', 'huge'],
    ['BERTH_LOG_FILES', '-1'],
    ['BERTH_LOG_RETENTION', 'forever'],
    ['BERTH_STOP_GRACE', 'soon'],
  ])('refuses %s=%s naming the setting', (setting, value) => {
    expect(() => loadConfig({ [setting]: value })).toThrow(setting);
  });
});

describe('API gateway settings', () => {
  it('keeps call records 7 days unless told otherwise', () => {
    expect(loadConfig({}).apigw).toEqual({ recordsRetentionMs: 7 * 86_400_000 });
    expect(loadConfig({ BERTH_APIGW_RECORDS_RETENTION: '36h' }).apigw.recordsRetentionMs).toBe(
      36 * 3_600_000,
    );
    expect(() => loadConfig({ BERTH_APIGW_RECORDS_RETENTION: 'a week' })).toThrow(
      'BERTH_APIGW_RECORDS_RETENTION',
    );
  });
});

describe('registry settings', () => {
  it('Swarm pushes to the builtin registry by default; other runtimes use none', () => {
    expect(loadConfig({ BERTH_RUNTIME: 'swarm' }).runtime.registry).toEqual({
      kind: 'builtin',
      address: '127.0.0.1:5000',
    });
    expect(
      loadConfig({ BERTH_RUNTIME: 'swarm', BERTH_REGISTRY_ADDRESS: '10.0.0.5:5443' }).runtime.registry,
    ).toEqual({ kind: 'builtin', address: '10.0.0.5:5443' });
    expect(loadConfig({ BERTH_RUNTIME: 'docker' }).runtime.registry).toEqual({ kind: 'off' });
  });

  it("reads an operator's registry with its account and CA file", () => {
    const c = loadConfig(
      {
        BERTH_RUNTIME: 'swarm',
        BERTH_REGISTRY: 'https://registry.example.com:5000/',
        BERTH_REGISTRY_USERNAME: 'berth',
        BERTH_REGISTRY_PASSWORD: 'p4ss',
        BERTH_REGISTRY_CA_FILE: 'ca.pem',
      },
      '/srv',
    );
    expect(c.runtime.registry).toEqual({
      kind: 'external',
      address: 'registry.example.com:5000',
      username: 'berth',
      password: 'p4ss',
      caFile: '/srv/ca.pem',
    });
  });

  it.each([
    [{ BERTH_RUNTIME: 'swarm', BERTH_REGISTRY: 'off' }, 'BERTH_REGISTRY'],
    [{ BERTH_RUNTIME: 'docker', BERTH_REGISTRY: 'builtin' }, 'BERTH_REGISTRY'],
    [{ BERTH_REGISTRY_ADDRESS: '127.0.0.1:5000' }, 'BERTH_REGISTRY_ADDRESS'],
    [{ BERTH_RUNTIME: 'swarm', BERTH_REGISTRY_ADDRESS: 'no-port' }, 'BERTH_REGISTRY_ADDRESS'],
    [{ BERTH_RUNTIME: 'swarm', BERTH_REGISTRY_ADDRESS: 'h:70000' }, 'BERTH_REGISTRY_ADDRESS'],
    [{ BERTH_RUNTIME: 'swarm', BERTH_REGISTRY_PASSWORD: 'x' }, 'BERTH_REGISTRY_PASSWORD'],
    [{ BERTH_RUNTIME: 'swarm', BERTH_REGISTRY: 'http://r:5000' }, 'BERTH_REGISTRY'],
    [{ BERTH_RUNTIME: 'swarm', BERTH_REGISTRY: 'https://u:p@r:5000' }, 'BERTH_REGISTRY'],
    [{ BERTH_RUNTIME: 'swarm', BERTH_REGISTRY: 'https://r:5000/path' }, 'BERTH_REGISTRY'],
    [{ BERTH_RUNTIME: 'swarm', BERTH_REGISTRY: 'https://r:5000' }, 'BERTH_REGISTRY_USERNAME'],
    [
      { BERTH_RUNTIME: 'swarm', BERTH_REGISTRY: 'https://r:5000', BERTH_REGISTRY_USERNAME: 'u' },
      'BERTH_REGISTRY_PASSWORD',
    ],
    [
      { BERTH_RUNTIME: 'swarm', BERTH_REGISTRY: 'https://r:5000', BERTH_REGISTRY_ADDRESS: 'r:1' },
      'BERTH_REGISTRY_ADDRESS',
    ],
  ])('refuses %o naming %s', (env, setting) => {
    expect(() => loadConfig(env as Record<string, string>)).toThrow(setting);
  });
});
