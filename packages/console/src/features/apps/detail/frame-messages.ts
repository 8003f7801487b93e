import { defineMessages } from '../../../i18n/messages.ts';

export const frameMessages = defineMessages({
  en: {
    notFoundTitle: 'No such app',
    notFoundText: 'There is no app "{code}", or you may not see it.',
    backToApps: 'Back to the apps',
    environment: 'Environment',
    tabs: 'App sections',
    overview: 'Overview',
    deploys: 'Deploys',
    releases: 'Releases',
    logs: 'Logs',
    config: 'Config',
    source: 'Source',
    members: 'Members',
    settings: 'Settings',
  },
  'zh-CN': {
    notFoundTitle: '应用不存在',
    notFoundText: '没有代码为“{code}”的应用，或者你无权查看。',
    backToApps: '返回应用列表',
    environment: '环境',
    tabs: '应用功能',
    overview: '概览',
    deploys: '部署',
    releases: '版本',
    logs: '日志',
    config: '配置',
    source: '代码来源',
    members: '成员',
    settings: '设置',
  },
});
