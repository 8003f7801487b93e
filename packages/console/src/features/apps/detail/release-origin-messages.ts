// Where a release came from (release-origin.tsx), in both languages.
import { defineMessages } from '../../../i18n/messages.ts';

export const releaseOriginMessages = defineMessages({
  en: {
    package: 'Package upload',
    git: 'Git commit',
    image: 'Docker image',
    config: 'Config change',
    rollback: 'Rollback',
    rollbackTo: 'Rollback to v{version}',
    promote: 'Promoted from staging',
    promoteFrom: 'Promoted from staging v{version}',
  },
  'zh-CN': {
    package: '上传代码包',
    git: 'Git 提交',
    image: 'Docker 镜像',
    config: '配置变更',
    rollback: '回滚',
    rollbackTo: '回滚到 v{version}',
    promote: '从预发环境晋升',
    promoteFrom: '从预发环境 v{version} 晋升',
  },
});
