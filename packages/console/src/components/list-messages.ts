// Strings of the paged lists' foot (LoadMore).
import { defineMessages } from '../i18n/messages.ts';

export const listMessages = defineMessages({
  en: {
    loadMore: 'Load more',
    shownMore: '{count} shown; there are more',
    shownAll: '{count} shown, that is all',
  },
  'zh-CN': {
    loadMore: '加载更多',
    shownMore: '已显示 {count} 条，还有更多',
    shownAll: '已显示全部 {count} 条',
  },
});
