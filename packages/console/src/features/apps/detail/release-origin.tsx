// Where a release came from, in the visitor's language: a package upload, a git commit or a Docker
// image (with the ref and short commit, the package's or image's short digest: its `origin`), a
// config change, or another release (rollback to vN, promoted from stag vN: the API's `source` and
// `fromVersion`; such a release keeps the origin of the code it runs, shown after it).
import type { Release } from '@berth/sdk';
import { Space } from 'antd';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { SourceOriginText } from '../source/SourceOriginText.tsx';
import { releaseOriginMessages } from './release-origin-messages.ts';

export function ReleaseOrigin({ release }: { release: Pick<Release, 'source' | 'fromVersion' | 'origin'> }) {
  const t = useMessages(releaseOriginMessages);
  const from = release.fromVersion;
  let how: string | undefined;
  switch (release.source) {
    case 'rollback':
      how = from ? t('rollbackTo', { version: from }) : t('rollback');
      break;
    case 'promote':
      how = from ? t('promoteFrom', { version: from }) : t('promote');
      break;
    case 'config':
      how = t('config');
      break;
    case 'git':
    case 'image':
      // The origin says it all ("Hosted repository main @ 9b1e2c3"); without one, the kind.
      how = release.origin ? undefined : t(release.source);
      break;
    default:
      how = release.origin ? undefined : t('package');
  }
  if (!release.origin) return <>{how}</>;
  return (
    <Space size={4} wrap>
      {how ? <span>{how}:</span> : null}
      <SourceOriginText origin={release.origin} />
    </Space>
  );
}
