// The short forms a page shows of where code came from: a ref without its `refs/heads/` or
// `refs/tags/` prefix, a commit's first 7 hex digits (what git itself abbreviates to), an image
// digest's first 12 (what Docker shows). The full values stay in the element's title.
import type { Deploy, SourceOrigin } from '@berth/sdk';

/** A deploy's origin: a release's, or a git ref not yet resolved to its commit (a queued deploy). */
export type AnyOrigin = NonNullable<Deploy['origin']> | SourceOrigin;

export function shortCommit(commit: string): string {
  return commit.slice(0, 7);
}

export function shortDigest(digest: string): string {
  const [algorithm, hex] = digest.includes(':') ? digest.split(':', 2) : ['', digest];
  const short = (hex ?? '').slice(0, 12);
  return algorithm ? `${algorithm}:${short}` : short;
}

/** `refs/heads/main` → `main`, `refs/tags/v1.2.0` → `v1.2.0`; any other ref as it is. */
export function shortRef(ref: string): string {
  for (const prefix of ['refs/heads/', 'refs/tags/']) {
    if (ref.startsWith(prefix) && ref.length > prefix.length) return ref.slice(prefix.length);
  }
  return ref;
}

export type OriginParts =
  | { type: 'package'; digest: string; full: string }
  | { type: 'git'; repository: string; ref?: string; commit?: string; full: string }
  | { type: 'image'; image: string; digest: string; full: string };

/** What an origin shows, short, and its full form for the title. */
export function originParts(origin: AnyOrigin): OriginParts {
  switch (origin.type) {
    case 'package':
      return { type: 'package', digest: origin.sha256.slice(0, 12), full: `sha256:${origin.sha256}` };
    case 'image':
      return {
        type: 'image',
        image: origin.image,
        digest: shortDigest(origin.digest),
        full: `${origin.image} ${origin.digest}`,
      };
    default: {
      const commit = 'commit' in origin ? origin.commit : undefined;
      const url = 'url' in origin ? origin.url : undefined;
      const full = [url, origin.ref, commit].filter(Boolean).join(' ');
      return {
        type: 'git',
        repository: origin.repository,
        ...(origin.ref ? { ref: shortRef(origin.ref) } : {}),
        ...(commit ? { commit: shortCommit(commit) } : {}),
        full,
      };
    }
  }
}

/** A deploy's trigger (`push:refs/heads/main`, `webhook:refs/tags/v1`), split; other forms as they are. */
export function parseTrigger(
  trigger: string,
): { kind: 'push' | 'webhook'; ref: string } | { kind: 'other'; text: string } {
  const at = trigger.indexOf(':');
  const kind = trigger.slice(0, at);
  const ref = trigger.slice(at + 1);
  if ((kind === 'push' || kind === 'webhook') && ref) return { kind, ref: shortRef(ref) };
  return { kind: 'other', text: trigger };
}
