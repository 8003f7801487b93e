import { defineMessages } from '../../i18n/messages.ts';

export const loginMessages = defineMessages({
  en: {
    title: 'Log in to Berth',
    subtitle: 'The application platform of your team',
    username: 'User name',
    password: 'Password',
    usernameRequired: 'Enter your user name',
    passwordRequired: 'Enter your password',
    submit: 'Log in',
    forApp: 'Log in to continue to the app',
    firstTime:
      'First time? The administrator account and its password were printed by berthd when it started.',
  },
  'zh-CN': {
    title: '登录 Berth',
    subtitle: '团队的应用平台',
    username: '用户名',
    password: '密码',
    usernameRequired: '请输入用户名',
    passwordRequired: '请输入密码',
    submit: '登录',
    forApp: '登录后继续访问应用',
    firstTime: '第一次使用？管理员账号及其密码在 berthd 启动时已打印出来。',
  },
});
