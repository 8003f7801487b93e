// docs/configuration.md and the config loader must agree: every setting loadConfig reads has a row,
// every row is a setting it reads, and a default written as a value (`10s`, `64`) is the loader's:
// setting it explicitly changes nothing. Defaults described in words are listed below with a check
// of their own. Nothing else in berthd reads the environment.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';

const ROOT = path.join(import.meta.dirname, '../../..');
const doc = fs.readFileSync(path.join(ROOT, 'docs/configuration.md'), 'utf8');

/** Rows of the settings table: name -> default cell. */
const documented = new Map<string, string>();
for (const line of doc.split('\n')) {
  const m = /^\|\s*`(BERTH_[A-Z0-9_]+)`\s*\|\s*(.*?)\s*\|/.exec(line);
  if (m) documented.set(m[1]!, m[2]!);
}

/** The BERTH_* names loadConfig looks at, with everything unset. */
function settingsRead(): Set<string> {
  const read = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get(_target, name) {
      if (typeof name === 'string') read.add(name);
      return undefined;
    },
    has(_target, name) {
      if (typeof name === 'string') read.add(name);
      return false;
    },
  });
  loadConfig(env, '/srv');
  return new Set([...read].filter((name) => name.startsWith('BERTH_')));
}

/** Read only to refuse them with a message; the docs name them (not as rows). */
const RETIRED = ['BERTH_LOGIN_MAX_FAILURES_USER'];

/** Defaults that depend on other settings or on the host, each checked here instead. */
const DESCRIBED: Record<string, () => void> = {
  BERTH_APPS_PORT: () => expect(loadConfig({}, '/srv').appsPort).toBe(8081),
  BERTH_PUBLIC_URL: () =>
    expect(loadConfig({ BERTH_PORT: '9000' }, '/srv').publicUrl).toBe('http://localhost:9000'),
  BERTH_APPS_URL: () =>
    expect(loadConfig({ BERTH_APPS_PORT: '9001' }, '/srv').appsUrl).toBe('http://localhost:9001'),
  BERTH_DATA_DIR: () => expect(loadConfig({}, '/srv').dataDir).toBe('/srv/.berth'),
  BERTH_DATABASE_URL: () =>
    expect(loadConfig({}, '/srv').database).toEqual({ dialect: 'sqlite', file: '/srv/.berth/berth.db' }),
  BERTH_ADMIN_PASSWORD: () => expect(loadConfig({}, '/srv').adminPassword).toBeUndefined(),
  BERTH_SECRET_KEY: () => expect(loadConfig({}, '/srv').secretKey).toBeUndefined(),
  BERTH_CLI_PACKAGE: () => expect(loadConfig({}, '/srv').cliPackage).toBeUndefined(),
  BERTH_CONSOLE_DIR: () => {
    expect(loadConfig({}, '/srv').consoleDir).toBeUndefined();
    expect(loadConfig({ BERTH_CONSOLE_DIR: 'web' }, '/srv').consoleDir).toBe('/srv/web');
  },
  BERTH_COOKIE_SECURE: () =>
    expect(() => loadConfig({ BERTH_COOKIE_SECURE: 'true' })).toThrow(/no longer read/),
  BERTH_GATEWAY_WORKERS: () => {
    const cores = os.availableParallelism();
    expect(loadConfig({}, '/srv').gatewayWorkers).toBe(cores > 1 ? cores : 0);
    expect(loadConfig({}, '/srv').gateway.nginx.workerProcesses).toBe('auto');
    expect(loadConfig({ BERTH_GATEWAY_WORKERS: '0' }, '/srv').gateway.nginx.workerProcesses).toBe(1);
  },
  BERTH_APPS_DOMAIN: () => expect(loadConfig({}, '/srv').engine.appsDomain).toBeUndefined(),
  BERTH_HTTPS_PORT: () => expect(loadConfig({}, '/srv').gateway.httpsPort).toBeUndefined(),
  BERTH_IMAGE_REGISTRIES: () => expect(loadConfig({}, '/srv').sources.imageRegistries).toEqual([]),
  BERTH_ACME_DIRECTORY: () => expect(loadConfig({}, '/srv').domains.acme).toBeUndefined(),
  BERTH_ACME_EMAIL: () =>
    expect(() => loadConfig({ BERTH_ACME_EMAIL: 'ops@example.com' }, '/srv')).toThrow(/BERTH_ACME_DIRECTORY/),
  BERTH_ACME_CA_FILE: () =>
    expect(
      loadConfig({ BERTH_ACME_DIRECTORY: 'https://ca.example.com/dir', BERTH_ACME_CA_FILE: 'ca.pem' }, '/srv')
        .domains.acme,
    ).toEqual({ directory: 'https://ca.example.com/dir', email: undefined, caFile: '/srv/ca.pem' }),
  BERTH_REGISTRY: () => {
    expect(loadConfig({}, '/srv').runtime.registry).toEqual({ kind: 'off' });
    expect(loadConfig({ BERTH_RUNTIME: 'swarm' }, '/srv').runtime.registry.kind).toBe('builtin');
  },
  BERTH_REGISTRY_ADDRESS: () =>
    expect(
      loadConfig({ BERTH_RUNTIME: 'swarm', BERTH_REGISTRY_ADDRESS: '127.0.0.1:5000' }, '/srv').runtime
        .registry,
    ).toEqual(loadConfig({ BERTH_RUNTIME: 'swarm' }, '/srv').runtime.registry),
  // An operator's registry has no default account: each of these alone is refused.
  BERTH_REGISTRY_USERNAME: () =>
    expect(() => loadConfig({ BERTH_REGISTRY_USERNAME: 'u' }, '/srv')).toThrow(/BERTH_REGISTRY/),
  BERTH_REGISTRY_PASSWORD: () =>
    expect(() => loadConfig({ BERTH_REGISTRY_PASSWORD: 'p' }, '/srv')).toThrow(/BERTH_REGISTRY/),
  BERTH_REGISTRY_CA_FILE: () =>
    expect(() => loadConfig({ BERTH_REGISTRY_CA_FILE: 'ca.pem' }, '/srv')).toThrow(/BERTH_REGISTRY/),
  BERTH_LOGIN_CONCURRENCY: () => expect(loadConfig({}, '/srv').login.concurrency).toBeGreaterThanOrEqual(1),
};

/** A default cell that is one value, e.g. `10s`: the value. */
function literal(cell: string): string | undefined {
  const m = /^`([^`$]+)`$/.exec(cell);
  return m?.[1];
}

describe('docs/configuration.md', () => {
  it('documents every setting the loader reads, and nothing it does not read', () => {
    const read = settingsRead();
    expect(read.size).toBeGreaterThan(30);
    const undocumented = [...read].filter((name) => !documented.has(name) && !RETIRED.includes(name));
    expect(undocumented).toEqual([]);
    const unread = [...documented.keys()].filter((name) => !read.has(name));
    expect(unread).toEqual([]);
    for (const name of RETIRED) expect(doc).toContain(name);
  });

  it("states each default as the loader's: setting a documented value changes nothing", () => {
    const defaults = loadConfig({}, '/srv');
    const unchecked: string[] = [];
    for (const [name, cell] of documented) {
      const value = literal(cell);
      if (value !== undefined && !(name in DESCRIBED)) {
        expect([name, loadConfig({ [name]: value }, '/srv')]).toEqual([name, defaults]);
      } else if (name in DESCRIBED) {
        DESCRIBED[name]!();
      } else unchecked.push(`${name}: ${cell}`);
    }
    // A new setting's default is either a value in backticks or listed in DESCRIBED with a check.
    expect(unchecked).toEqual([]);
    for (const name of Object.keys(DESCRIBED)) expect(documented.has(name), name).toBe(true);
  });

  it('is the only reader of the environment in berthd', () => {
    const src = path.join(ROOT, 'packages/server/src');
    const readers: string[] = [];
    for (const file of fs.readdirSync(src, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file === 'config.ts' || file === 'forget-secrets.ts') continue;
      // The source of the program git runs as a push hook (another process, started by git with the
      // variables berthd gave git): it must read them, and nothing of berthd's is there.
      if (file === path.join('git', 'hook-program.ts')) continue;
      const text = fs.readFileSync(path.join(src, file), 'utf8');
      // Code, not comments: `process.env` followed by an access or passed on.
      if (/^(?!\s*(\/\/|\*)).*process\.env\b/m.test(text)) readers.push(file);
    }
    expect(readers).toEqual([]);
  });
});
