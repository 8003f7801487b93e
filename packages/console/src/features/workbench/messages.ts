import { defineMessages } from '../../i18n/messages.ts';

export const workbenchMessages = defineMessages({
  en: {
    title: 'Workbench',
    subtitle: 'The apps you can open',
    search: 'Search apps by code or name',
    empty: 'No apps yet. Create one on the Apps page, then deploy a package to it.',
    emptySearch: 'No app matches "{q}".',
    goToApps: 'Go to Apps',
    open: 'Open {env}',
    details: 'Details',
    manage: 'Manage {name}',
    shown: '{count} apps shown',
  },
  'zh-CN': {
    title: '工作台',
    subtitle: '你可以打开的应用',
    search: '按代码或名称搜索应用',
    empty: '还没有应用。请先在“应用”页面创建一个，然后为它部署代码包。',
    emptySearch: '没有与“{q}”匹配的应用。',
    goToApps: '前往应用页面',
    open: '打开{env}',
    details: '详情',
    manage: '管理 {name}',
    shown: '已显示 {count} 个应用',
  },
});
