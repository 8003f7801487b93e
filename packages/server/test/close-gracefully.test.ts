// closeGracefully: a stop is not held up by keep-alive connections that become idle while the
// server closes, nor, beyond the grace period, by requests that never end.
import http from 'node:http';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeGracefully } from '../src/close-gracefully.ts';

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.closeAllConnections();
});

async function listen(handler: http.RequestListener): Promise<{ server: http.Server; port: number }> {
  // A keep-alive timeout far beyond the test's: only closeGracefully can end the connections in time.
  const server = http.createServer({ keepAliveTimeout: 600_000 }, handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as net.AddressInfo).port };
}

function closeOf(server: http.Server): () => Promise<void> {
  return () => new Promise((resolve) => server.close(() => resolve()));
}

describe('closeGracefully', () => {
  it('ends a keep-alive connection whose request finishes during the close', async () => {
    let finish: () => void = () => {};
    const { server, port } = await listen((_req, res) => {
      finish = () => res.end('done');
    });
    const agent = new http.Agent({ keepAlive: true });
    const answered = new Promise<string>((resolve, reject) => {
      http
        .get({ port, host: '127.0.0.1', agent }, (res) => {
          let body = '';
          res.on('data', (d) => {
            body += d;
          });
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    const closed = closeGracefully(server, closeOf(server), 60_000);
    setTimeout(() => finish(), 200);
    expect(await answered).toBe('done');
    await closed;
    // Closed once the request ended, not at the keep-alive timeout or the grace period.
    expect(Date.now() - started).toBeLessThan(30_000);
    agent.destroy();
  });

  it('cuts off a request that outlasts the grace period', async () => {
    const { server, port } = await listen((_req, res) => {
      res.writeHead(200);
      res.write('streaming');
    });
    const cut = new Promise<string>((resolve) => {
      http.get({ port, host: '127.0.0.1' }, (res) => {
        res.on('data', () => {});
        res.on('close', () => resolve('closed'));
        res.on('error', () => resolve('closed'));
      });
    });
    await new Promise((r) => setTimeout(r, 100));
    await closeGracefully(server, closeOf(server), 300);
    expect(await cut).toBe('closed');
  });
});
