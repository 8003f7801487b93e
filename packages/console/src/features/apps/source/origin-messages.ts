// Where code came from (SourceOriginText.tsx, the builds table), in both languages.
import { defineMessages } from '../../../i18n/messages.ts';

export const originMessages = defineMessages({
  en: {
    originLabel: 'Source',
    buildLabel: 'Build',
    triggerLabel: 'Trigger',
    package: 'Package {digest}',
    gitRef: '{repository} {ref} @ {commit}',
    gitRefPending: '{repository} {ref} (commit not resolved yet)',
    gitCommit: '{repository} commit {commit}',
    image: 'Image {image} ({digest})',
    hosted: 'Hosted repository',
    external: 'External repository',
    trigger: 'Started by {what}',
    triggerPush: 'a push of {ref}',
    triggerWebhook: 'a webhook for {ref}',
  },
  'zh-CN': {
    originLabel: '代码来源',
    buildLabel: '构建',
    triggerLabel: '触发方式',
    package: '代码包 {digest}',
    gitRef: '{repository} {ref}，提交 {commit}',
    gitRefPending: '{repository} {ref}（提交尚未解析）',
    gitCommit: '{repository} 提交 {commit}',
    image: '镜像 {image}（{digest}）',
    hosted: '托管仓库',
    external: '外部仓库',
    trigger: '由{what}触发',
    triggerPush: '推送 {ref}',
    triggerWebhook: 'Webhook 通知 {ref}',
  },
});
