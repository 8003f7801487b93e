// The names of an app's environments, and what the lists say about their releases; shared by the
// workbench, the apps list and the app's page.
import { defineMessages } from '../../i18n/messages.ts';

export const envMessages = defineMessages({
  en: {
    stag: 'Staging',
    prod: 'Production',
    stagShort: 'stag',
    prodShort: 'prod',
    release: 'v{version}',
    notDeployed: 'not deployed yet',
  },
  'zh-CN': {
    stag: '预发环境',
    prod: '生产环境',
    stagShort: '预发',
    prodShort: '生产',
    release: '版本 v{version}',
    notDeployed: '尚未部署',
  },
});
