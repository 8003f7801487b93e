import { defineMessages } from '../i18n/messages.ts';

export const shell = defineMessages({
  en: {
    brand: 'Berth',
    skipToContent: 'Skip to content',
    language: 'Language',
    account: 'My account',
    logout: 'Log out',
    loggedOut: 'You are logged out',
    menu: 'Menu',
    sectionAdmin: 'Administration',
    sessionError: 'Berth could not tell who you are',
    roleAdmin: 'Administrator',
    roleOperator: 'Operator',
    roleDeveloper: 'Developer',
    roleAuditor: 'Auditor',
  },
  'zh-CN': {
    brand: 'Berth',
    skipToContent: '跳到正文',
    language: '语言',
    account: '我的账户',
    logout: '退出登录',
    loggedOut: '你已退出登录',
    menu: '菜单',
    sectionAdmin: '平台管理',
    sessionError: 'Berth 无法确认你的身份',
    roleAdmin: '管理员',
    roleOperator: '运维',
    roleDeveloper: '开发者',
    roleAuditor: '审计员',
  },
});
