// The built-in driver's own promises, beyond the contract every driver passes (contract/): a table
// is confirmed by every worker before `apply` resolves; a worker that cannot confirm (stopped with
// SIGSTOP here) is killed and replaced by one started with the current table, and `apply` resolves
// once the replacement serves it; a malformed table changes nothing; BERTH_GATEWAY names the
// driver (builtin by default).
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { type BuiltinDriver, createBuiltinDriver, GatewayApplyError } from '../../src/gateway/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { startTestBerthd } from '../support/harness.ts';
import { route, send, startUpstream, type TestUpstream, tableOf } from './support.ts';

const WORKER = { logLevel: 'silent', accessLog: false, trustProxy: false } as const;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the built-in gateway driver', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function upstream(name: string): Promise<TestUpstream> {
    const u = await startUpstream(name);
    cleanup.push(() => u.close());
    return u;
  }

  function driver(workers: number, applyTimeoutMs = 5_000): BuiltinDriver {
    const d = createBuiltinDriver({
      logger: silentLogger(),
      workers,
      listen: { host: '127.0.0.1', port: 0 },
      cluster: { worker: WORKER, applyTimeoutMs },
    });
    cleanup.push(() => d.close());
    return d;
  }

  it('in-process: serves each table at once and refuses a malformed one, keeping the old', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const d = driver(0);
    const { http } = await d.start(tableOf({ routes: [route('shop', 'prod', [a])] }), 10);
    expect(d.status()).toMatchObject({
      kind: 'builtin',
      seq: 10,
      processes: [{ pid: process.pid, seq: 10 }],
    });
    expect((await send(http.port, '/o/shop/')).json().upstream).toBe('a');

    await d.apply(tableOf({ routes: [route('shop', 'prod', [b])] }), 11);
    expect((await send(http.port, '/o/shop/')).json().upstream).toBe('b');

    const bad = tableOf({ routes: [route('shop', 'prod', [a])] });
    bad.routes.push({ ...bad.routes[0]!, id: 'again' });
    await expect(d.apply(bad, 12)).rejects.toBeInstanceOf(GatewayApplyError);
    expect(d.status().seq).toBe(11);
    expect((await send(http.port, '/o/shop/')).json().upstream).toBe('b');
    const metrics = await d.metrics();
    expect(metrics.routes.find((r) => r.app === 'shop')?.status2xx).toBe(3);
  });

  it('with workers: resolves once each serves the table; one that cannot confirm is replaced', async () => {
    const a = await upstream('a');
    const b = await upstream('b');
    const c = await upstream('c');
    const d = driver(2, 1_000);
    const { http } = await d.start(tableOf({ routes: [route('shop', 'prod', [a])] }), 100);
    const first = d.status();
    expect(first.seq).toBe(100);
    expect(first.processes.map((p) => p.seq)).toEqual([100, 100]);

    await d.apply(tableOf({ routes: [route('shop', 'prod', [b])] }), 101);
    expect(d.status().processes.map((p) => p.seq)).toEqual([101, 101]);
    for (let i = 0; i < 6; i++) {
      expect((await send(http.port, '/o/shop/', { agent: false })).json().upstream).toBe('b');
    }

    // A worker that cannot answer (stopped): the apply kills it and starts one with the new table.
    const [stuck, other] = first.processes.map((p) => p.pid) as [number, number];
    process.kill(stuck, 'SIGSTOP');
    await d.apply(tableOf({ routes: [route('shop', 'prod', [c])] }), 102);
    const after = d.status();
    expect(after.seq).toBe(102);
    expect(after.processes.map((p) => p.seq)).toEqual([102, 102]);
    expect(after.processes.map((p) => p.pid)).toContain(other);
    expect(after.processes.map((p) => p.pid)).not.toContain(stuck);
    expect(alive(stuck)).toBe(false);
    // Every worker serving now routes with the new table.
    for (let i = 0; i < 10; i++) {
      expect((await send(http.port, '/o/shop/', { agent: false })).json().upstream).toBe('c');
    }

    // A malformed table is refused before any worker sees it.
    await expect(d.apply({ ...tableOf({ routes: [] }), format: 2 as 1 }, 103)).rejects.toThrow(
      GatewayApplyError,
    );
    expect(d.status().seq).toBe(102);
    expect((await send(http.port, '/o/shop/', { agent: false })).json().upstream).toBe('c');
  }, 120_000);

  it('berthd serves HTTPS on BERTH_HTTPS_PORT, with no certificate for a name it has none for', async () => {
    const t = await startTestBerthd({ env: { BERTH_HTTPS_PORT: '0' } });
    cleanup.push(() => t.stop());
    expect(t.berthd.httpsPort).toBeGreaterThan(0);
    expect(t.berthd.httpsPort).not.toBe(t.berthd.appsPort);
    expect(t.berthd.gateway.status().listeners?.https?.port).toBe(t.berthd.httpsPort);
    // No custom domain has a certificate yet: every handshake fails (there is no default one).
    const handshake = new Promise<void>((resolve, reject) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port: t.berthd.httpsPort!,
        servername: 'shop.example.test',
        rejectUnauthorized: false,
      });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', reject);
    });
    await expect(handshake).rejects.toThrow();
  }, 60_000);

  it("is berthd's default gateway; BERTH_GATEWAY names builtin or nginx", () => {
    expect(loadConfig({}).gateway.driver).toBe('builtin');
    expect(loadConfig({ BERTH_GATEWAY: 'NGINX' }).gateway.driver).toBe('nginx');
    expect(() => loadConfig({ BERTH_GATEWAY: 'apache' })).toThrow(ConfigError);
  });
});
