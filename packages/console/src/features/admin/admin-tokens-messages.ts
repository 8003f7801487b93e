// Everyone's API tokens (/admin/tokens).
import { defineMessages } from '../../i18n/messages.ts';

export const adminTokensMessages = defineMessages({
  en: {
    title: 'API tokens',
    subtitle: "Every user's API tokens, newest first. Revoke a token that leaked or is no longer used.",
    filterUser: 'Filter by username',
    filterPlaceholder: 'Username',
    filterInvalid:
      'A username starts with a lowercase letter and has 2 to 64 of a-z, 0-9, dot, underscore, hyphen',
    clear: 'Show all',
    empty: 'No API tokens. Users create their own under My account.',
    emptyFiltered: '{username} has no API tokens.',
  },
  'zh-CN': {
    title: 'API 令牌',
    subtitle: '所有用户的 API 令牌，最新的在前。请吊销已泄露或不再使用的令牌。',
    filterUser: '按用户名筛选',
    filterPlaceholder: '用户名',
    filterInvalid: '用户名以小写字母开头，由 2 到 64 个 a-z、0-9、点、下划线或连字符组成',
    clear: '显示全部',
    empty: '没有 API 令牌。用户可在“我的账户”中自行创建。',
    emptyFiltered: '{username} 没有 API 令牌。',
  },
});
