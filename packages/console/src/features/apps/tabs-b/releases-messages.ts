// The releases tab: an environment's numbered releases, rollback and promote.
import { defineMessages } from '../../../i18n/messages.ts';

export const releasesMessages = defineMessages({
  en: {
    version: 'Version',
    status: 'Status',
    source: 'Source',
    processes: 'Processes',
    created: 'Created',
    current: 'Current',
    statusReady: 'Ready',
    statusFailed: 'Failed to start',
    noProcesses: 'None declared',
    rollback: 'Roll back to v{version}',
    rollbackTitle: 'Roll back to v{version}?',
    rollbackText:
      "Roll {env} of {app} back to v{version}: a new release with v{version}'s build and config; v{current} stops serving once the new one is healthy.",
    rollbackTextNoCurrent:
      "Roll {env} of {app} back to v{version}: a new release with v{version}'s build and config; the running release stops serving once the new one is healthy.",
    rollbackOk: 'Roll back',
    rollbackStarted: 'Rollback to v{version} started',
    promote: 'Promote to prod',
    promoteTitle: 'Promote stag of {app} to prod?',
    promoteText:
      "stag's current release v{version} becomes a new prod release with prod's config vars. prod's running release stops serving once the new one is healthy.",
    promoteOk: 'Promote',
    promoteStarted: 'Promotion to prod started',
    promoteNeedsCurrent: 'stag has no current release to promote yet: deploy a package to stag first.',
    empty: '{env} has no releases yet. Deploy a package to make the first one.',
    releasesOf: 'Releases of {env}',
  },
  'zh-CN': {
    version: '版本',
    status: '状态',
    source: '来源',
    processes: '进程',
    created: '创建时间',
    current: '当前',
    statusReady: '就绪',
    statusFailed: '启动失败',
    noProcesses: '未声明',
    rollback: '回滚到 v{version}',
    rollbackTitle: '回滚到 v{version}？',
    rollbackText:
      '将 {app} 的{env}环境回滚到 v{version}：生成一个使用 v{version} 的构建和配置的新版本；新版本健康后，v{current} 停止提供服务。',
    rollbackTextNoCurrent:
      '将 {app} 的{env}环境回滚到 v{version}：生成一个使用 v{version} 的构建和配置的新版本；新版本健康后，正在运行的版本停止提供服务。',
    rollbackOk: '回滚',
    rollbackStarted: '已开始回滚到 v{version}',
    promote: '提升到生产环境',
    promoteTitle: '将 {app} 的预发版本提升到生产环境？',
    promoteText:
      '预发环境的当前版本 v{version} 将成为生产环境的一个新版本，使用生产环境的配置变量。新版本健康后，生产环境正在运行的版本停止提供服务。',
    promoteOk: '提升',
    promoteStarted: '已开始提升到生产环境',
    promoteNeedsCurrent: '预发环境还没有可提升的当前版本：请先向预发环境部署一个软件包。',
    empty: '{env}环境还没有版本。部署一个软件包即可生成第一个版本。',
    releasesOf: '{env}环境的版本',
  },
});
