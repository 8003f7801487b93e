// The nginx driver's counters from its JSON access log: only lines written after the reader
// started, partial lines kept for the next read, a rotated log read to its end and then the new
// file, a truncated one from its start.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAccessLogReader } from '../../../src/gateway/nginx/access-log-reader.ts';

function line(app: string, status: number, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ route: `o/${app}`, app, env: 'prod', status, bytes: 10, s: 0.004, ...extra })}\n`;
}

describe('nginx access log reader', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const logFile = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-access-'));
    dirs.push(dir);
    return path.join(dir, 'access.json');
  };

  it('counts lines written after it started, per app environment', async () => {
    const file = logFile();
    fs.writeFileSync(file, line('old', 200));
    const reader = createAccessLogReader(file);
    fs.appendFileSync(file, line('shop', 200) + line('shop', 502) + line('blog', 301));
    fs.appendFileSync(file, `${JSON.stringify({ route: '-', app: '', env: '', status: 404 })}\n`);
    fs.appendFileSync(file, '{"route":"o/shop","app":"shop","env":"prod","status":200,"by'); // partial
    let m = await reader.read();
    const shop = m.routes.find((r) => r.app === 'shop')!;
    expect(shop).toMatchObject({ requests: 2, status2xx: 1, status5xx: 1, bytesOut: 20 });
    expect(shop.latencySumMs).toBeCloseTo(8);
    expect(m.routes.find((r) => r.app === 'old')).toBeUndefined();
    expect(m.routes.find((r) => r.app === 'blog')!.status3xx).toBe(1);
    expect(m.unrouted.requests).toBe(1);
    fs.appendFileSync(file, 'tes":10,"s":0.001}\n');
    m = await reader.read();
    expect(m.routes.find((r) => r.app === 'shop')!.requests).toBe(3);
    reader.close();
  });

  it('reads a rotated log to its end, then the new file; a truncated one from its start', async () => {
    const file = logFile();
    fs.writeFileSync(file, '');
    const reader = createAccessLogReader(file);
    fs.appendFileSync(file, line('shop', 200));
    expect((await reader.read()).routes[0]!.requests).toBe(1);
    fs.appendFileSync(file, line('shop', 200)); // written before the rotation, not read yet
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, line('shop', 200) + line('shop', 200));
    expect((await reader.read()).routes[0]!.requests).toBe(4);
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, line('shop', 200));
    expect((await reader.read()).routes[0]!.requests).toBe(5);
    reader.close();
  });
  it('gives the event loop back while it reads many lines, one read at a time', async () => {
    const file = logFile();
    fs.writeFileSync(file, '');
    const reader = createAccessLogReader(file);
    const lines = 20_000; // about 1.8 MiB: more than one slice
    fs.appendFileSync(file, line('busy', 200).repeat(lines));
    const order: string[] = [];
    setImmediate(() => order.push('another turn'));
    const [first, second] = await Promise.all([reader.read(), reader.read()]);
    order.push('read');
    expect(order).toEqual(['another turn', 'read']);
    expect(first.routes[0]!.requests).toBe(lines);
    expect(second.routes[0]!.requests).toBe(lines);
    // Closed while reading (after its first slice gave the event loop back): the read ends there,
    // without an error, having counted part of the new lines; later reads count nothing more.
    fs.appendFileSync(file, line('busy', 200).repeat(2 * lines));
    const turn = new Promise((resolve) => setImmediate(resolve)).then(() => reader.close());
    const late = (await reader.read()).routes[0]!.requests;
    await turn;
    expect(late).toBeGreaterThan(lines);
    expect(late).toBeLessThan(3 * lines);
    expect((await reader.read()).routes[0]!.requests).toBe(late);
  });
});
