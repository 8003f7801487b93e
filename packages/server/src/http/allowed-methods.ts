// Which methods a path has routes for, so that a known path asked with another method answers
// 405 METHOD_NOT_ALLOWED with an Allow header instead of 404. Fed by fastify's onRoute hook with
// the route patterns (`/api/v1/apps/:code`, `/static/*`); matched segment by segment.

type Segment = { kind: 'literal'; text: string } | { kind: 'param' } | { kind: 'rest' };

interface RoutePattern {
  segments: Segment[];
  methods: Set<string>;
}

export interface AllowedMethods {
  add(method: string | readonly string[], url: string): void;
  /** The methods routes exist for at `path` (no query string), sorted; empty for an unknown path. */
  of(path: string): string[];
}

function parse(url: string): Segment[] {
  return url
    .split('/')
    .slice(1)
    .map((part): Segment => {
      if (part === '*') return { kind: 'rest' };
      if (part.startsWith(':')) return { kind: 'param' };
      return { kind: 'literal', text: part };
    });
}

function matches(segments: readonly Segment[], parts: readonly string[]): boolean {
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.kind === 'rest') return true;
    const part = parts[i];
    if (part === undefined) return false;
    if (segment.kind === 'param' ? part === '' : segment.text !== part) return false;
  }
  return parts.length === segments.length;
}

export function createAllowedMethods(): AllowedMethods {
  const patterns = new Map<string, RoutePattern>();
  return {
    add(method, url) {
      let pattern = patterns.get(url);
      if (!pattern) {
        pattern = { segments: parse(url), methods: new Set() };
        patterns.set(url, pattern);
      }
      for (const m of typeof method === 'string' ? [method] : method) pattern.methods.add(m.toUpperCase());
    },
    of(path) {
      const parts = path.split('/').slice(1);
      const found = new Set<string>();
      for (const pattern of patterns.values()) {
        if (matches(pattern.segments, parts)) for (const m of pattern.methods) found.add(m);
      }
      return [...found].sort();
    },
  };
}
