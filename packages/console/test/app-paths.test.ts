// The addresses of an app's pages, as the router (AppDetailPage) reads them.
import { describe, expect, it } from 'vitest';
import { APP_TABS, appPath, deployPath } from '../src/features/apps/app-paths.ts';

describe('app paths', () => {
  it('default to stag overview and keep the environment and tab given', () => {
    expect(appPath('shop')).toBe('/apps/shop/stag/overview');
    expect(appPath('shop', 'prod')).toBe('/apps/shop/prod/overview');
    expect(appPath('shop', 'prod', 'deploys')).toBe('/apps/shop/prod/deploys');
  });

  it('open one deploy on the deploys tab, the id encoded', () => {
    expect(deployPath('shop', 'stag', 'd 1/2')).toBe('/apps/shop/stag/deploys?deploy=d%201%2F2');
  });

  it('list every tab the app page has, overview first', () => {
    expect(APP_TABS[0]).toBe('overview');
    expect(new Set(APP_TABS).size).toBe(APP_TABS.length);
  });
});
