// Finds the component a call's method and path name, among many (pure). A path's segments are
// literal text or `{var}`, which matches one non-empty segment; a literal segment beats a `{var}` at
// the first place two paths differ (so an exact path beats a templated one), then a component of the
// call's own method beats one of `ANY`. A trailing slash is a segment of its own: `/a/` and `/a` are
// different paths, as BlueKing's are.
import type { ApigwMethod } from '@berth/sdk';
import { varName } from './model.ts';

export interface MatcherEntry<T> {
  path: string;
  method: ApigwMethod;
  value: T;
}

export interface PathMatch<T> {
  value: T;
  /** The `{var}` segments' values, percent-decoded. */
  vars: Record<string, string>;
}

export interface PathMatcher<T> {
  match(method: string, path: string): PathMatch<T> | undefined;
}

interface Compiled<T> {
  entry: MatcherEntry<T>;
  /** Per segment: the literal text, or the var's name. */
  segments: Array<{ literal: string } | { name: string }>;
  /** '0' per literal segment, '1' per var, then '0' for a method, '1' for ANY: lower sorts first. */
  rank: string;
}

function compile<T>(entry: MatcherEntry<T>): Compiled<T> {
  const segments = entry.path
    .slice(1)
    .split('/')
    .map((s) => {
      const name = varName(s);
      return name === undefined ? { literal: s } : { name };
    });
  const rank = segments.map((s) => ('name' in s ? '1' : '0')).join('') + (entry.method === 'ANY' ? '1' : '0');
  return { entry, segments, rank };
}

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function createPathMatcher<T>(entries: readonly MatcherEntry<T>[]): PathMatcher<T> {
  const bySize = new Map<number, Compiled<T>[]>();
  for (const entry of entries) {
    const c = compile(entry);
    const list = bySize.get(c.segments.length) ?? [];
    list.push(c);
    bySize.set(c.segments.length, list);
  }
  for (const list of bySize.values()) list.sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));

  return {
    match(method, path) {
      if (!path.startsWith('/')) return undefined;
      const parts = path.slice(1).split('/');
      const verb = method.toUpperCase();
      // Sorted most specific first: the first that matches is the best.
      next: for (const c of bySize.get(parts.length) ?? []) {
        if (c.entry.method !== 'ANY' && c.entry.method !== verb) continue;
        const vars: Record<string, string> = {};
        // (An index loop: this runs on every call, and an iterator is an object per component tried.)
        for (let i = 0; i < c.segments.length; i++) {
          const s = c.segments[i]!;
          const part = parts[i]!;
          if ('literal' in s) {
            if (s.literal !== part) continue next;
            continue;
          }
          const value = part === '' ? undefined : decoded(part);
          if (value === undefined) continue next;
          vars[s.name] = value;
        }
        return { value: c.entry.value, vars };
      }
      return undefined;
    },
  };
}
