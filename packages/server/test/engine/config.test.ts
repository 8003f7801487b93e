// The engine's settings in config.ts: defaults, units and refusals.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('engine settings', () => {
  it('has defaults', () => {
    expect(loadConfig({}, '/tmp').engine).toEqual({
      maxPackageBytes: 200 * 1024 * 1024,
      keepReleases: 5,
      drainMs: 2000,
      appsDomain: undefined,
      accessLog: true,
      historyRetentionMs: 30 * 86_400_000,
      historyPurgeIntervalMs: 3_600_000,
      healIntervalMs: 300_000,
      logStreamsPerUser: 10,
      maxInstancesPerApp: 20,
      runTimeoutMs: 3_600_000,
      runsPerApp: 3,
      prodApproval: true,
      requestPollMs: 1000,
    });
  });

  it('reads sizes, counts, durations and the apps domain', () => {
    const engine = loadConfig(
      {
        BERTH_MAX_PACKAGE_SIZE: '1G',
        BERTH_KEEP_RELEASES: '10',
        BERTH_DRAIN: '500ms',
        BERTH_APPS_DOMAIN: 'Apps.Example.com.',
        BERTH_HISTORY_RETENTION: '12h',
        BERTH_HISTORY_PURGE_INTERVAL: 'off',
        BERTH_HEAL_INTERVAL: '0',
        BERTH_MAX_INSTANCES_PER_APP: '50',
        BERTH_RUN_TIMEOUT: '15m',
        BERTH_RUNS_PER_APP: '5',
        BERTH_PROD_APPROVAL: 'off',
        BERTH_REQUEST_POLL: '250ms',
      },
      '/tmp',
    ).engine;
    expect(engine).toEqual({
      maxPackageBytes: 1024 ** 3,
      keepReleases: 10,
      drainMs: 500,
      appsDomain: 'apps.example.com',
      accessLog: true,
      historyRetentionMs: 12 * 3_600_000,
      historyPurgeIntervalMs: 0,
      healIntervalMs: 0,
      logStreamsPerUser: 10,
      maxInstancesPerApp: 50,
      runTimeoutMs: 15 * 60_000,
      runsPerApp: 5,
      prodApproval: false,
      requestPollMs: 250,
    });
    expect(loadConfig({ BERTH_ACCESS_LOG: 'false' }, '/tmp').engine.accessLog).toBe(false);
    expect(loadConfig({ BERTH_HISTORY_PURGE_INTERVAL: '10m' }, '/tmp').engine.historyPurgeIntervalMs).toBe(
      600_000,
    );
    expect(loadConfig({ BERTH_MAX_PACKAGE_SIZE: '512k' }, '/tmp').engine.maxPackageBytes).toBe(512 * 1024);
    expect(loadConfig({ BERTH_MAX_PACKAGE_SIZE: '300MiB' }, '/tmp').engine.maxPackageBytes).toBe(
      300 * 1024 ** 2,
    );
    expect(loadConfig({ BERTH_MAX_PACKAGE_SIZE: '1048576' }, '/tmp').engine.maxPackageBytes).toBe(1048576);
  });

  it('refuses bad values naming the setting', () => {
    for (const [setting, value] of [
      ['BERTH_MAX_PACKAGE_SIZE', 'big'],
      ['BERTH_MAX_PACKAGE_SIZE', '0'],
      ['BERTH_KEEP_RELEASES', '0'],
      ['BERTH_DRAIN', 'soon'],
      ['BERTH_HISTORY_RETENTION', 'forever'],
      ['BERTH_HEAL_INTERVAL', '-1s'],
      ['BERTH_HISTORY_PURGE_INTERVAL', 'hourly'],
      ['BERTH_APPS_DOMAIN', 'localhost'],
      ['BERTH_APPS_DOMAIN', 'bad_domain.com'],
    ] as const) {
      expect(() => loadConfig({ [setting]: value }, '/tmp'), `${setting}=${value}`).toThrow(ConfigError);
      try {
        loadConfig({ [setting]: value }, '/tmp');
      } catch (err) {
        expect((err as ConfigError).setting).toBe(setting);
      }
    }
  });
});
