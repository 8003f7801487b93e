// How the CLI names where a deploy's, release's or build's code came from, in one short phrase:
// `git main 9b1e2c3d`, `git external v1.2.0 9b1e2c3d`, `package 3f2a9c1d`, `image shop:1.4`.
import type { Deploy, SourceOrigin } from '@berth/sdk';

/** A deploy's origin: a git ref not resolved yet (the deploy has not run) has no commit. */
export type AnyOrigin = NonNullable<Deploy['origin']> | SourceOrigin;

const SHORT = 8;

/** The origin as a short phrase; '' for none. */
export function originText(origin: AnyOrigin | undefined): string {
  if (!origin) return '';
  switch (origin.type) {
    case 'package':
      return `package ${origin.sha256.slice(0, SHORT)}`;
    case 'image':
      return `image ${origin.image}`;
    case 'git': {
      const commit = 'commit' in origin ? origin.commit : undefined;
      const repository = origin.repository === 'external' ? 'external ' : '';
      // A commit deployed by its id has no ref: the commit says it all.
      const ref = origin.ref === undefined ? '' : `${shortRef(origin.ref)} `;
      return `git ${repository}${ref}${commit ? commit.slice(0, SHORT) : ''}`.trimEnd();
    }
  }
}

/** The origin in full, for `info` views: every id whole, the external URL with it. */
export function originDetail(origin: AnyOrigin | undefined): string | undefined {
  if (!origin) return undefined;
  switch (origin.type) {
    case 'package':
      return `package sha256:${origin.sha256}`;
    case 'image':
      return `image ${origin.image} (${origin.digest})`;
    case 'git': {
      const where = 'url' in origin && origin.url ? origin.url : `${origin.repository} repository`;
      const commit = 'commit' in origin ? ` commit ${origin.commit}` : ' (not resolved yet)';
      return `git ${where}${origin.ref ? ` ${origin.ref}` : ''}${commit}`;
    }
  }
}

/** `refs/heads/main` → `main`, `refs/tags/v1` → `v1`; anything else as it is. */
export function shortRef(ref: string): string {
  return ref.replace(/^refs\/(heads|tags)\//, '');
}
