// Every notification's words, in one place: a headline per event type and language, and the labels
// of the facts that follow it. `render` gives a channel what it sends: a title and the text as plain
// text (webhooks, e-mail), Markdown (robots) and HTML (e-mail). A test checks that every event type
// has both languages.
import type { NotifyEvent, NotifyEventType, NotifyLanguage } from '@berth/sdk';

/** What a delivery is about: an event, or a channel test. */
export type Notice = { type: 'test'; actor?: string; at: number; channel: string } | NotifyEvent;
export type NoticeType = NotifyEventType | 'test';

type Headline = (n: Notice & { actor: string }) => string;

const where = (n: Notice) => ('app' in n ? `${n.app}/${n.env}` : '');
/** An API gateway request's target: `SYSTEM/component`, or `SYSTEM/*` for the whole system. */
const apiOf = (n: Notice) => ('system' in n ? `${n.system ?? '?'}/${n.component ?? '*'}` : '');
/** The app a request is about (the caller's, for the owner's notice). */
const callerOf = (n: Notice) => ('caller' in n ? (n.caller ?? '?') : '?');
const appOf = (n: Notice) => ('app' in n ? n.app : '');

export const HEADLINES: Readonly<Record<NoticeType, Readonly<Record<NotifyLanguage, Headline>>>> = {
  'request.filed': {
    en: (n) => `${n.actor} asks to deploy ${where(n)}`,
    'zh-CN': (n) => `${n.actor} 申请部署 ${where(n)}`,
  },
  'request.approved': {
    en: (n) => `${n.actor} approved the deploy request for ${where(n)}`,
    'zh-CN': (n) => `${n.actor} 批准了 ${where(n)} 的部署申请`,
  },
  'request.refused': {
    en: (n) => `${n.actor} refused the deploy request for ${where(n)}`,
    'zh-CN': (n) => `${n.actor} 拒绝了 ${where(n)} 的部署申请`,
  },
  'request.withdrawn': {
    en: (n) => `${n.actor} withdrew the deploy request for ${where(n)}`,
    'zh-CN': (n) => `${n.actor} 撤回了 ${where(n)} 的部署申请`,
  },
  'deploy.succeeded': {
    en: (n) => `Deploy of ${where(n)} succeeded`,
    'zh-CN': (n) => `${where(n)} 部署成功`,
  },
  'deploy.failed': {
    en: (n) => `Deploy of ${where(n)} failed`,
    'zh-CN': (n) => `${where(n)} 部署失败`,
  },
  'instance.crashloop': {
    en: (n) => `An instance of ${where(n)} keeps crashing`,
    'zh-CN': (n) => `${where(n)} 的实例反复崩溃`,
  },
  'app.message': {
    en: (n) => `Message from ${where(n)}: ${'title' in n ? (n.title ?? '') : ''}`,
    'zh-CN': (n) => `来自 ${where(n)} 的消息：${'title' in n ? (n.title ?? '') : ''}`,
  },
  'apigw.request.filed': {
    en: (n) => `${n.actor} asks that ${callerOf(n)} may call ${apiOf(n)}`,
    'zh-CN': (n) => `${n.actor} 申请让 ${callerOf(n)} 调用 ${apiOf(n)}`,
  },
  'apigw.request.approved': {
    en: (n) => `${n.actor} approved ${appOf(n)}'s request to call ${apiOf(n)}`,
    'zh-CN': (n) => `${n.actor} 批准了 ${appOf(n)} 调用 ${apiOf(n)} 的申请`,
  },
  'apigw.request.refused': {
    en: (n) => `${n.actor} refused ${appOf(n)}'s request to call ${apiOf(n)}`,
    'zh-CN': (n) => `${n.actor} 拒绝了 ${appOf(n)} 调用 ${apiOf(n)} 的申请`,
  },
  test: {
    en: (n) => `Test notification from Berth (channel ${'channel' in n ? n.channel : ''})`,
    'zh-CN': (n) => `Berth 测试通知（渠道 ${'channel' in n ? n.channel : ''}）`,
  },
};

const FACT_NAMES = [
  'app',
  'env',
  'actor',
  'kind',
  'release',
  'note',
  'reason',
  'error',
  'process',
  'instance',
  'level',
  'content',
  'caller',
  'api',
  'time',
  'link',
] as const;
type FactName = (typeof FACT_NAMES)[number];

export const LABELS: Readonly<Record<NotifyLanguage, Readonly<Record<FactName, string>>>> = {
  en: {
    app: 'App',
    env: 'Environment',
    actor: 'By',
    kind: 'Kind',
    release: 'Release',
    note: 'Note',
    reason: 'Reason',
    error: 'Error',
    process: 'Process type',
    instance: 'Instance',
    level: 'Level',
    content: 'Message',
    caller: 'Calling app',
    api: 'API',
    time: 'Time',
    link: 'Link',
  },
  'zh-CN': {
    app: '应用',
    env: '环境',
    actor: '操作人',
    kind: '类型',
    release: '版本',
    note: '说明',
    reason: '原因',
    error: '错误',
    process: '进程类型',
    instance: '实例',
    level: '级别',
    content: '内容',
    caller: '调用方应用',
    api: '接口',
    time: '时间',
    link: '链接',
  },
};

/** Who a notice names when it names nobody: the platform. */
const PLATFORM: Readonly<Record<NotifyLanguage, string>> = { en: 'Berth', 'zh-CN': 'Berth' };

export interface Rendered {
  title: string;
  /** Plain text: the headline, then one `Label: value` line per fact. */
  text: string;
  /** For robots. */
  markdown: string;
  /** For e-mail, beside `text`. */
  html: string;
}

function facts(n: Notice): Array<[FactName, string]> {
  const list: Array<[FactName, string | undefined]> =
    n.type === 'test'
      ? [['actor', n.actor]]
      : [
          ['app', n.app],
          // An API gateway request is not about an environment (it comes as prod).
          ['env', n.type.startsWith('apigw.') ? undefined : n.env],
          ['actor', n.actor],
          ['kind', n.kind],
          ['release', n.release === undefined ? undefined : `v${n.release}`],
          ['note', n.note],
          ['reason', n.reason],
          ['error', n.error && `${n.error.message} (${n.error.code})`],
          ['process', n.processType],
          ['instance', n.instanceId],
          ['level', n.level],
          ['content', n.content],
          ['caller', n.caller],
          ['api', n.system === undefined ? undefined : `${n.system}/${n.component ?? '*'}`],
          ['link', n.url],
        ];
  list.push(['time', new Date(n.at).toISOString()]);
  return list.filter((f): f is [FactName, string] => f[1] !== undefined && f[1] !== '');
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
}

/** Markdown's line-level syntax made plain in a value (robots render Markdown). */
function plainMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>#|]/g, (ch) => `\\${ch}`).replace(/\n/g, ' ');
}

export function render(n: Notice, language: NotifyLanguage): Rendered {
  const title = HEADLINES[n.type][language]({ ...n, actor: n.actor ?? PLATFORM[language] });
  const labels = LABELS[language];
  const list = facts(n);
  const text = [title, '', ...list.map(([k, v]) => `${labels[k]}: ${v}`)].join('\n');
  const markdown = [
    `### ${plainMarkdown(title)}`,
    '',
    ...list.map(([k, v]) =>
      k === 'link' && /^https?:\/\//.test(v)
        ? `- **${labels[k]}**: [${plainMarkdown(v)}](${v})`
        : `- **${labels[k]}**: ${plainMarkdown(v)}`,
    ),
  ].join('\n');
  const rows = list
    .map(([k, v]) => {
      const value =
        k === 'link' && /^https?:\/\//.test(v)
          ? `<a href="${escapeHtml(v)}">${escapeHtml(v)}</a>`
          : escapeHtml(v);
      return `<tr><th align="left">${escapeHtml(labels[k])}</th><td>${value}</td></tr>`;
    })
    .join('');
  const html = `<!doctype html><html><body><h3>${escapeHtml(title)}</h3><table>${rows}</table></body></html>`;
  return { title, text, markdown, html };
}
