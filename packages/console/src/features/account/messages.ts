// The account page and the change-password page.
import { defineMessages } from '../../i18n/messages.ts';

export const accountMessages = defineMessages({
  en: {
    title: 'My account',
    subtitle: 'Who you are in Berth, your password and your API tokens',
    profile: 'Profile',
    username: 'Username',
    displayName: 'Display name',
    role: 'Role',
    email: 'Email',
    noEmail: 'Not set',
    createdAt: 'Account created',
    roleHelp: 'An administrator gives roles. Ask one if you need another.',
    changePassword: 'Change password',
  },
  'zh-CN': {
    title: '我的账户',
    subtitle: '你在 Berth 中的身份、密码和 API 令牌',
    profile: '个人资料',
    username: '用户名',
    displayName: '显示名称',
    role: '角色',
    email: '邮箱',
    noEmail: '未设置',
    createdAt: '账户创建时间',
    roleHelp: '角色由管理员分配。如需其他角色，请联系管理员。',
    changePassword: '修改密码',
  },
});

export const changePasswordMessages = defineMessages({
  en: {
    title: 'Change password',
    subtitle: 'For user {username}',
    requiredTitle: 'Choose your own password before you continue',
    requiredText:
      'Your password was set by an administrator, or printed by berthd when it started. Until you change it, Berth allows nothing else.',
    current: 'Current password',
    currentRequired: 'Enter your current password',
    newPassword: 'New password',
    newRequired: 'Enter a new password',
    confirm: 'New password again',
    confirmRequired: 'Enter the new password again',
    mismatch: 'The two new passwords differ',
    effect:
      'Changing your password logs out your other sessions (other browsers and devices) and revokes all your API tokens. This session stays logged in.',
    submit: 'Change password',
    done: 'Password changed. Your other sessions were logged out and all your API tokens were revoked.',
    back: 'Back to my account',
  },
  'zh-CN': {
    title: '修改密码',
    subtitle: '用户 {username}',
    requiredTitle: '请先设置你自己的密码再继续',
    requiredText:
      '你的密码是由管理员设置的，或是 berthd 启动时打印出来的。修改密码之前，Berth 不允许进行其他操作。',
    current: '当前密码',
    currentRequired: '请输入当前密码',
    newPassword: '新密码',
    newRequired: '请输入新密码',
    confirm: '再次输入新密码',
    confirmRequired: '请再次输入新密码',
    mismatch: '两次输入的新密码不一致',
    effect:
      '修改密码会让你的其他会话（其他浏览器和设备）退出登录，并吊销你的全部 API 令牌。当前会话保持登录。',
    submit: '修改密码',
    done: '密码已修改。你的其他会话已退出登录，全部 API 令牌已被吊销。',
    back: '返回我的账户',
  },
});
