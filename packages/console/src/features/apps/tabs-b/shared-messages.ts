// Strings the app detail tabs of this folder share: who did what, actions.
import { defineMessages } from '../../../i18n/messages.ts';

export const tabsShared = defineMessages({
  en: {
    byWhom: 'by {user}',
    actions: 'Actions',
    openDeploys: 'Deploy a package',
  },
  'zh-CN': {
    byWhom: '由 {user}',
    actions: '操作',
    openDeploys: '部署软件包',
  },
});
