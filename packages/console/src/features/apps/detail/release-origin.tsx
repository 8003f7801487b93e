// Where a release came from, in the visitor's language: a package upload, a config change, or
// another release (rollback to vN, promoted from stag vN: the API's `source` and `fromVersion`).
import type { Release } from '@berth/sdk';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { releaseOriginMessages } from './release-origin-messages.ts';

export function ReleaseOrigin({ release }: { release: Pick<Release, 'source' | 'fromVersion'> }) {
  const t = useMessages(releaseOriginMessages);
  const from = release.fromVersion;
  switch (release.source) {
    case 'rollback':
      return <>{from ? t('rollbackTo', { version: from }) : t('rollback')}</>;
    case 'promote':
      return <>{from ? t('promoteFrom', { version: from }) : t('promote')}</>;
    case 'config':
      return <>{t('config')}</>;
    default:
      return <>{t('package')}</>;
  }
}
