// The password policy's rules, shared by the change-password page and the administration's
// create-user and reset-password forms.
import { defineMessages } from '../../i18n/messages.ts';

export const passwordMessages = defineMessages({
  en: {
    policy:
      'At least 10 characters; not only spaces, not one character or a short group repeated, not the username, not a commonly used password.',
    ruleTooShort: 'Use at least 10 characters.',
    ruleTooLong: 'Use at most 256 characters.',
    ruleWhitespace: 'The password cannot be only spaces.',
    ruleRepeated: 'The password cannot be one character or a short group repeated.',
    ruleUsername: 'The password cannot be the username.',
    ruleCommon: 'This password is on a list of commonly used passwords; choose another.',
    ruleUnchanged: 'The new password must differ from the current one.',
    ruleOther: 'The server refused this password; choose a longer, less common one.',
  },
  'zh-CN': {
    policy:
      '至少 10 个字符；不能只有空格，不能是单个字符或短字符组的重复，不能与用户名相同，不能是常用密码。',
    ruleTooShort: '请至少使用 10 个字符。',
    ruleTooLong: '最多 256 个字符。',
    ruleWhitespace: '密码不能只有空格。',
    ruleRepeated: '密码不能是单个字符或短字符组的重复。',
    ruleUsername: '密码不能与用户名相同。',
    ruleCommon: '此密码属于常用密码，请换一个。',
    ruleUnchanged: '新密码必须与当前密码不同。',
    ruleOther: '服务器拒绝了此密码；请选择更长、更不常见的密码。',
  },
});

export type PasswordMessageKey = keyof (typeof passwordMessages)['en'];
