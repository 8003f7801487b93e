// Where a release came from, in the visitor's language: a package upload, a config change, or
// another release (rollback to vN, promoted from stag vN: the API's `source` and `fromVersion`).
import type { Release } from '@berth/sdk';
import { useMessages } from '../../../i18n/I18nProvider.tsx';
import { defineMessages } from '../../../i18n/messages.ts';

export const releaseOriginMessages = defineMessages({
  en: {
    package: 'Package upload',
    config: 'Config change',
    rollback: 'Rollback',
    rollbackTo: 'Rollback to v{version}',
    promote: 'Promoted from staging',
    promoteFrom: 'Promoted from staging v{version}',
  },
  'zh-CN': {
    package: '上传代码包',
    config: '配置变更',
    rollback: '回滚',
    rollbackTo: '回滚到 v{version}',
    promote: '从预发环境晋升',
    promoteFrom: '从预发环境 v{version} 晋升',
  },
});

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
