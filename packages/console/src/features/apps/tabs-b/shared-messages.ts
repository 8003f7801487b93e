// Strings the app detail tabs of this folder share: paging, who did what.
import { defineMessages } from '../../../i18n/messages.ts';

export const tabsShared = defineMessages({
  en: {
    loadMore: 'Load more',
    moreFailed: 'The next page could not be loaded.',
    byWhom: 'by {user}',
    actions: 'Actions',
    openDeploys: 'Deploy a package',
  },
  'zh-CN': {
    loadMore: '加载更多',
    moreFailed: '下一页加载失败。',
    byWhom: '由 {user}',
    actions: '操作',
    openDeploys: '部署软件包',
  },
});
