// The URLs berthd hands out (public-urls.ts): port 0 stands for the port berthd got, and instances
// reach the API where their runtime can.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { apiHost, createPublicUrls } from '../src/public-urls.ts';

const PROCESSES = { hostAddress: '127.0.0.1', ownLoopback: false };
const CONTAINERS = { hostAddress: 'host.docker.internal', ownLoopback: true };

describe('public URLs', () => {
  it('fill in the ports berthd got for URLs configured with port 0', () => {
    const urls = createPublicUrls(loadConfig({ BERTH_PORT: '0', BERTH_HOST: '127.0.0.1' }), PROCESSES);
    expect([urls.console, urls.apps]).toEqual(['http://localhost:0', 'http://localhost:0']);
    urls.bind({ console: 41001, apps: 41002 });
    expect([urls.console, urls.apps, urls.api, urls.apigw]).toEqual([
      'http://localhost:41001',
      'http://localhost:41002',
      'http://127.0.0.1:41001',
      // The API gateway is served by the gateway itself, on the apps port.
      'http://127.0.0.1:41002',
    ]);
  });

  it('keep configured URLs as they are', () => {
    const urls = createPublicUrls(
      loadConfig({
        BERTH_PUBLIC_URL: 'https://console.example.com',
        BERTH_APPS_URL: 'https://apps.example.com',
      }),
      PROCESSES,
    );
    urls.bind({ console: 8080, apps: 8081 });
    expect([urls.console, urls.apps, urls.api, urls.apigw]).toEqual([
      'https://console.example.com',
      'https://apps.example.com',
      'http://127.0.0.1:8080',
      'http://127.0.0.1:8081',
    ]);
  });

  it('give instances the address berthd listens on, or their runtime way to the host', () => {
    expect(apiHost('0.0.0.0', PROCESSES)).toBe('127.0.0.1');
    expect(apiHost('0.0.0.0', CONTAINERS)).toBe('host.docker.internal');
    expect(apiHost('::', CONTAINERS)).toBe('host.docker.internal');
    expect(apiHost('10.0.0.5', PROCESSES)).toBe('10.0.0.5');
    expect(apiHost('10.0.0.5', CONTAINERS)).toBe('10.0.0.5');
    expect(apiHost('fd00::5', CONTAINERS)).toBe('[fd00::5]');
    // A container's 127.0.0.1 is its own: the host's name is the only (warned about) chance.
    expect(apiHost('127.0.0.1', PROCESSES)).toBe('127.0.0.1');
    expect(apiHost('127.0.0.1', CONTAINERS)).toBe('host.docker.internal');
  });
});
