// The app list's search query: blank text asks for everything (the API refuses an empty `q`), the
// text is trimmed and cut to the API's limit, and the page's cursor and limit pass through.
import { describe, expect, it } from 'vitest';
import {
  APP_CODE_RULE,
  APP_SEARCH_MAX,
  appSearchQuery,
  envSummary,
} from '../src/features/apps/app-summary.ts';

describe('appSearchQuery', () => {
  it('sends no q for blank text', () => {
    expect(appSearchQuery('   ', { limit: 50 })).toEqual({ limit: 50 });
  });
  it('trims the text and keeps the page', () => {
    expect(appSearchQuery('  shop ', { limit: 50, cursor: 'c' })).toEqual({
      limit: 50,
      cursor: 'c',
      q: 'shop',
    });
  });
  it('cuts the text to the longest q the API takes', () => {
    expect(appSearchQuery('x'.repeat(APP_SEARCH_MAX + 20), {}).q).toHaveLength(APP_SEARCH_MAX);
  });
});

describe('envSummary', () => {
  const app = {
    code: 'shop',
    name: 'Shop',
    description: '',
    createdBy: 'admin',
    createdAt: 0,
    updatedAt: 0,
    members: [],
    placement: [],
    envs: [
      { name: 'stag' as const, varCount: 0, url: 'http://apps/t/shop/', release: 3 },
      { name: 'prod' as const, varCount: 0 },
    ],
  };
  it('reads the release of an environment, absent before the first deploy', () => {
    expect(envSummary(app, 'stag')?.release).toBe(3);
    expect(envSummary(app, 'prod')?.release).toBeUndefined();
  });
});

describe("the console's copies of the API's rules", () => {
  it('match the sdk', async () => {
    const { APP_CODE_PATTERN, APP_SEARCH_MAX_LENGTH } = await import('@berth/sdk');
    expect(APP_SEARCH_MAX).toBe(APP_SEARCH_MAX_LENGTH);
    expect(APP_CODE_RULE.source).toBe(APP_CODE_PATTERN);
  });
});
