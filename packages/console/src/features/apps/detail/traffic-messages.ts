// The traffic tab: what the gateway counted of the app's requests per environment.
import { defineMessages } from '../../../i18n/messages.ts';

export const trafficMessages = defineMessages({
  en: {
    title: 'Requests per environment',
    refreshing: 'The table is read again every 10 seconds while this page is visible.',
    colEnv: 'Environment',
    colRequests: 'Requests',
    colErrors: 'Errors (5xx)',
    colBytes: 'Bytes sent',
    colAvg: 'Average',
    empty: 'No requests to {app} since {since}.',
    counted: 'Counted by {gateway} since {since}, when berthd started.',
    gatewayBuiltin: "Berth's built-in gateway",
    gatewayNginx: 'the nginx gateway',
    restartNote:
      "The counts are kept in berthd's memory and start again at 0 when it restarts. p50, p90 and p99 are estimated from a histogram; errors are 5xx answers, the gateway's own 502, 503 and 504 included.",
    prometheusNote:
      'For rates and history, let Prometheus scrape {url} with the API token of an administrator, operator or auditor.',
  },
  'zh-CN': {
    title: '各环境的请求',
    refreshing: '页面可见时，表格每 10 秒刷新一次。',
    colEnv: '环境',
    colRequests: '请求数',
    colErrors: '错误（5xx）',
    colBytes: '发送字节',
    colAvg: '平均',
    empty: '自 {since} 以来，{app} 没有收到请求。',
    counted: '由 {gateway}自 {since}（berthd 启动时）起统计。',
    gatewayBuiltin: 'Berth 内置网关',
    gatewayNginx: 'nginx 网关',
    restartNote:
      '计数保存在 berthd 的内存中，berthd 重启后从 0 重新开始。p50、p90 和 p99 由直方图估算；错误指 5xx 响应，包括网关自身返回的 502、503 和 504。',
    prometheusNote: '如需速率和历史数据，请让 Prometheus 使用管理员、运维或审计员的 API 令牌抓取 {url}。',
  },
});
