// Where a release came from, in the visitor's language: a package upload, a git commit or a Docker
// image (with the ref and short commit, the package's or image's short digest: its `origin`), a
// config change, or another release (rollback to vN, promoted from stag vN: the API's `source` and
// `fromVersion`; such a release keeps the origin of the code it runs, in its title).
import type { Release } from '@berth/sdk';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { originParts } from '../source/origin-text.ts';
import { SourceOriginText } from '../source/SourceOriginText.tsx';
import { releaseOriginMessages } from './release-origin-messages.ts';

export function ReleaseOrigin({ release }: { release: Pick<Release, 'source' | 'fromVersion' | 'origin'> }) {
  const t = useMessages(releaseOriginMessages);
  const from = release.fromVersion;
  // A rollback or a promotion runs another release's code: that release shows where it came from,
  // and here it is the title (the tables stay narrow enough not to scroll at desktop width).
  const title = release.origin ? originParts(release.origin).full : undefined;
  switch (release.source) {
    case 'rollback':
      return <span title={title}>{from ? t('rollbackTo', { version: from }) : t('rollback')}</span>;
    case 'promote':
      return <span title={title}>{from ? t('promoteFrom', { version: from }) : t('promote')}</span>;
    case 'config':
      return <span title={title}>{t('config')}</span>;
    default:
      // Code of its own: where it came from ("Hosted repository main @ 9b1e2c3"); without an
      // origin (a release made before sources were recorded), the kind.
      return release.origin ? (
        <SourceOriginText origin={release.origin} />
      ) : (
        <span>{t(release.source === 'git' || release.source === 'image' ? release.source : 'package')}</span>
      );
  }
}
