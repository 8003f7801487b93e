// The members tab: the app's developers, added by username and removed.
import { defineMessages } from '../../../i18n/messages.ts';

export const membersMessages = defineMessages({
  en: {
    username: 'Username',
    displayName: 'Name',
    added: 'Member since',
    addLabel: 'Username to add',
    addPlaceholder: 'username',
    add: 'Add member',
    addRequired: 'Enter a username',
    added204:
      'If a user named {username} exists, they are now a member of {app}. The list below shows who is.',
    remove: 'Remove',
    removeTitle: 'Remove {username} from {app}?',
    removeText:
      '{username} will no longer see or change {app} (its environments, config vars, deploys and secret).',
    removeSelfText:
      'You will leave {app}: as a developer you will no longer see or change it, and this page closes.',
    removeOk: 'Remove',
    removed: '{username} is no longer a member of {app}.',
    empty: '{app} has no developer members. Add one by username so they can deploy it.',
    membersOf: 'Members of {app}',
    note: 'Members may see and change this app; admins and operators may anyway, and developers only when they are members.',
  },
  'zh-CN': {
    username: '用户名',
    displayName: '名称',
    added: '加入时间',
    addLabel: '要添加的用户名',
    addPlaceholder: '用户名',
    add: '添加成员',
    addRequired: '请输入用户名',
    added204: '如果存在名为 {username} 的用户，其现在已是 {app} 的成员。下方列表显示实际成员。',
    remove: '移除',
    removeTitle: '将 {username} 从 {app} 中移除？',
    removeText: '{username} 将不能再查看或修改 {app}（包括其环境、配置变量、部署和应用密钥）。',
    removeSelfText: '你将退出 {app}：作为开发者，你将不能再查看或修改它，此页面也会关闭。',
    removeOk: '移除',
    removed: '{username} 已不再是 {app} 的成员。',
    empty: '{app} 还没有开发者成员。按用户名添加成员后，他们即可部署此应用。',
    membersOf: '{app} 的成员',
    note: '成员可以查看和修改此应用；管理员和运维人员无需成为成员也可以操作，开发者只有成为成员后才可以。',
  },
});
