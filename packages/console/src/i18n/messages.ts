// Message bundles: every feature keeps its strings beside its pages, in both languages. The type
// of `defineMessages` makes a missing or extra key in zh-CN a type error, and
// test/i18n-coverage.test.ts checks at run time that no string is empty and that both languages use
// the same `{placeholders}`.
import type { Locale } from './locale.ts';

export type Bundle<K extends string> = { readonly [L in Locale]: Readonly<Record<K, string>> };

export function defineMessages<const E extends Record<string, string>>(bundle: {
  en: E;
  'zh-CN': Record<keyof E, string>;
}): Bundle<Extract<keyof E, string>> {
  return bundle as Bundle<Extract<keyof E, string>>;
}

export type Params = Record<string, string | number>;

/** Replaces `{name}` with `params.name`; a missing parameter stays visible as `{name}`. */
export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

/** The placeholder names a template uses, sorted (for the coverage test). */
export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string))].sort();
}

export type Translate<K extends string> = (key: K, params?: Params) => string;

export function translator<K extends string>(bundle: Bundle<K>, locale: Locale): Translate<K> {
  const table = bundle[locale];
  return (key, params) => interpolate(table[key] ?? bundle.en[key] ?? key, params);
}
