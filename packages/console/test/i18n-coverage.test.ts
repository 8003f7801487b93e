// Every visible string exists in both languages: each message bundle (every `messages.ts` under
// src/) has the same keys in en and zh-CN, no empty string, the same {placeholders}, and a real
// translation (Chinese text, not the English copied over); every error code of the catalogue and of
// the client has a message in both.
import { ERROR_CODES } from '@berth/sdk/error-codes';
import { describe, expect, it } from 'vitest';
import { FEATURES } from '../src/features/index.ts';
import { CLIENT_ERROR_CODES, ERROR_MESSAGES } from '../src/i18n/error-messages.ts';
import { LOCALES } from '../src/i18n/locale.ts';
import { type Bundle, placeholders } from '../src/i18n/messages.ts';

const modules = import.meta.glob<Record<string, unknown>>('../src/**/*messages.ts', { eager: true });
/** Strings that are the same in both languages on purpose (names). */
const SAME_IN_BOTH = new Set(['Berth', 'API', 'ID', 'URL', 'Docker', 'SQLite', 'PostgreSQL', 'MySQL']);
const CJK = /[\u3400-\u9fff]/;

function isBundle(value: unknown): value is Bundle<string> {
  return typeof value === 'object' && value !== null && LOCALES.every((l) => l in value);
}

const bundles = Object.entries(modules).flatMap(([file, exports]) =>
  Object.entries(exports)
    .filter(([, value]) => isBundle(value))
    .map(([name, value]) => ({
      id: `${file.replace('../src/', '')}:${name}`,
      bundle: value as Bundle<string>,
    })),
);

function checkTranslated(en: Readonly<Record<string, string>>, zh: Readonly<Record<string, string>>) {
  const problems: string[] = [];
  for (const key of Object.keys(en)) {
    const e = en[key];
    const z = zh[key];
    if (typeof z !== 'string' || z.trim() === '') problems.push(`${key}: missing or empty in zh-CN`);
    else if (typeof e !== 'string' || e.trim() === '') problems.push(`${key}: empty in en`);
    else {
      if (placeholders(e).join() !== placeholders(z).join()) problems.push(`${key}: placeholders differ`);
      if (!CJK.test(z) && !SAME_IN_BOTH.has(z)) problems.push(`${key}: zh-CN is not translated ("${z}")`);
    }
  }
  for (const key of Object.keys(zh)) if (!(key in en)) problems.push(`${key}: only in zh-CN`);
  return problems;
}

describe('message bundles', () => {
  it('are found (the glob reaches the features)', () => {
    expect(bundles.map((b) => b.id)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^components\/messages\.ts:common$/)]),
    );
    expect(bundles.length).toBeGreaterThanOrEqual(3);
  });

  it.each(bundles.map((b) => [b.id, b.bundle] as const))(
    '%s is complete in both languages',
    (_id, bundle) => {
      expect(checkTranslated(bundle.en, bundle['zh-CN'])).toEqual([]);
    },
  );
});

describe('error messages', () => {
  const codes = [...ERROR_CODES, ...CLIENT_ERROR_CODES].sort();

  it.each(LOCALES)('%s has exactly the catalogue codes and the client codes', (locale) => {
    expect(Object.keys(ERROR_MESSAGES[locale]).sort()).toEqual(codes);
  });

  it('are all translated', () => {
    expect(checkTranslated(ERROR_MESSAGES.en, ERROR_MESSAGES['zh-CN'])).toEqual([]);
  });
});

describe('menu labels', () => {
  // Nav entries carry their labels inline ({ en, 'zh-CN' }) rather than in a bundle: same rules.
  const labels = FEATURES.flatMap((f) => (f.nav ?? []).map((n) => [n.path, n.label] as const));

  it('exist', () => {
    expect(labels.length).toBeGreaterThanOrEqual(3);
  });

  it.each(labels)('%s is translated', (_path, label) => {
    expect(checkTranslated({ label: label.en }, { label: label['zh-CN'] })).toEqual([]);
  });
});
