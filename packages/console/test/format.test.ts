import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatDateTime,
  formatDuration,
  formatNumber,
  formatRelative,
} from '../src/i18n/format.ts';
import { detectLocale, matchLocale } from '../src/i18n/locale.ts';
import { defineMessages, interpolate, placeholders, translator } from '../src/i18n/messages.ts';

describe('locale', () => {
  it('takes a stored choice first, then the browser languages, then English', () => {
    expect(detectLocale('zh-CN', ['en-US'])).toBe('zh-CN');
    expect(detectLocale(null, ['fr-FR', 'zh-Hans-CN', 'en'])).toBe('zh-CN');
    expect(detectLocale('klingon', ['de', 'en-GB'])).toBe('en');
    expect(detectLocale(undefined, ['ja'])).toBe('en');
  });
  it('does not take traditional Chinese for simplified', () => {
    expect(matchLocale('zh-TW')).toBeUndefined();
    expect(matchLocale('zh-Hant-HK')).toBeUndefined();
    expect(matchLocale('zh')).toBe('zh-CN');
    expect(matchLocale('ZH-cn')).toBe('zh-CN');
  });
});

describe('messages', () => {
  it('interpolates named placeholders and leaves unknown ones visible', () => {
    expect(interpolate('Deploy {app} to {env}', { app: 'shop', env: 'prod' })).toBe('Deploy shop to prod');
    expect(interpolate('v{n} of {app}', { n: 3 })).toBe('v3 of {app}');
    expect(interpolate('{constructor}', {})).toBe('{constructor}');
    expect(placeholders('{b} and {a} and {b}')).toEqual(['a', 'b']);
  });
  it('translates in the chosen language', () => {
    const bundle = defineMessages({ en: { hi: 'Hello {name}' }, 'zh-CN': { hi: '你好，{name}' } });
    expect(translator(bundle, 'zh-CN')('hi', { name: 'Li' })).toBe('你好，Li');
    expect(translator(bundle, 'en')('hi', { name: 'Li' })).toBe('Hello Li');
  });
});

describe('formatting per locale', () => {
  const at = Date.UTC(2026, 11, 5, 14, 3, 9);
  it('formats numbers with the locale grouping', () => {
    expect(formatNumber('en', 1234567)).toBe('1,234,567');
    expect(formatNumber('zh-CN', 1234567)).toBe('1,234,567');
  });
  it('formats dates in the language of the page', () => {
    const en = formatDateTime('en', at);
    const zh = formatDateTime('zh-CN', at);
    expect(en).toMatch(/Dec/);
    expect(zh).toMatch(/2026年12月/);
    expect(formatDateTime('en', 'not a date')).toBe('—');
  });
  it('formats sizes in powers of 1024', () => {
    expect(formatBytes('en', 0)).toBe('0 B');
    expect(formatBytes('en', 1536)).toBe('1.5 KB');
    expect(formatBytes('en', 5 * 1024 ** 3)).toBe('5 GB');
    expect(formatBytes('en', -1)).toBe('—');
  });
  it('formats relative times in each language', () => {
    const now = at + 3 * 60_000;
    expect(formatRelative('en', at, now)).toBe('3 minutes ago');
    expect(formatRelative('zh-CN', at, now)).toBe('3分钟前');
    expect(formatRelative('en', at, at + 5_000)).toBe('5 seconds ago');
  });
  it('formats durations', () => {
    expect(formatDuration('en', 850)).toBe('850 ms');
    expect(formatDuration('en', 12_340)).toBe('12.3 s');
    expect(formatDuration('en', 245_000)).toBe('4 min 05 s');
    expect(formatDuration('en', 2 * 3600_000 + 3 * 60_000)).toBe('2 h 03 min');
  });
});
