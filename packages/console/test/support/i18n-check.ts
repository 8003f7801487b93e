// Whether a console page speaks the language it should: on a zh-CN page, no text the user sees (text
// nodes, placeholders, titles and aria-labels) is a message key (an untranslated string shows its
// key), an English message of the console's bundles, or English words, apart from names and codes
// the test created (an app's code, a user name, …), codes (file names, dotted names such as audit
// actions, quoted commands, JSON) and the product and technical names that stay as they are in
// Chinese text (TECHNICAL).
import type { Page } from 'playwright-core';

type BundleModule = Record<string, unknown>;
type Table = Readonly<Record<string, string>>;

/** Words that Chinese text keeps in Latin letters. */
const TECHNICAL = new Set(
  [
    'Berth',
    'API',
    'ID',
    'URL',
    'Docker',
    'SQLite',
    'PostgreSQL',
    'MySQL',
    'MariaDB',
    'Node.js',
    'Node',
    'HTTP',
    'HTTPS',
    'CPU',
    'JSON',
    'NDJSON',
    'PID',
    'Git',
    // Git hosts and their words (sources: the webhook, the external repository).
    'Webhook',
    'GitHub',
    'GitLab',
    'Gitea',
    'Gogs',
    'SSH',
    'ref',
    'Procfile',
    'stag',
    'prod',
    'web',
    'worker',
    'stdout',
    'stderr',
    'berthd',
    'berth',
    // The traffic tab: the gateways and the monitoring system that scrapes berthd's metrics.
    'nginx',
    'Prometheus',
    'whoami',
    'BERTH_TOKEN',
    'English',
    'tar',
    'gz',
    'tgz',
    'KB',
    'MB',
    'GB',
    'TB',
    'KiB',
    'MiB',
    'GiB',
    'TiB',
    'ms',
    'UTC',
    'GMT',
    'AM',
    'PM',
    // The audit log's actors and action prefixes are codes (`system`, `anonymous`, `user.create`).
    'system',
    'anonymous',
    'user',
  ].map((w) => w.toLowerCase()),
);

export interface VisibleText {
  text: string;
  /** Where it was found: a CSS-ish path of the element, and the attribute when not a text node. */
  where: string;
}

/** Every string the page shows (text nodes, placeholder/title/aria-label/alt attributes), outside
 *  logs, code and inputs' values. */
export async function visibleTexts(page: Page): Promise<VisibleText[]> {
  return page.evaluate(() => {
    const SKIP =
      'script, style, noscript, pre, code, kbd, samp, textarea, [translate="no"], [data-testid="deploy-log"], [data-testid="logs-view"], [data-testid="app-secret-value"], [data-testid="token-secret-value"], [data-testid="secret-value"]';
    const describe = (el: Element): string => {
      const parts: string[] = [];
      for (let e: Element | null = el; e && parts.length < 4; e = e.parentElement) {
        const id = e.getAttribute('data-testid');
        parts.unshift(
          id
            ? `[data-testid=${id}]`
            : `${e.tagName.toLowerCase()}${e.classList[0] ? `.${e.classList[0]}` : ''}`,
        );
        if (id) break;
      }
      return parts.join(' > ');
    };
    const shown = (el: Element): boolean => {
      if (el.closest(SKIP)) return false;
      if (el.closest('[aria-hidden="true"]')) return false;
      const style = getComputedStyle(el);
      return style.display !== 'none' && style.visibility !== 'hidden';
    };
    const out: Array<{ text: string; where: string }> = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = (node.textContent ?? '').replace(/\s+/g, ' ').trim();
      const parent = node.parentElement;
      if (text && parent && shown(parent)) out.push({ text, where: describe(parent) });
    }
    for (const el of document.body.querySelectorAll('[placeholder], [title], [aria-label], img[alt]')) {
      // Labels the component library writes itself and does not translate: an icon's name (`down`,
      // `search`) and InputNumber's steppers ("Increase Value").
      if (!shown(el) || el.matches('.anticon, .ant-input-number-action')) continue;
      for (const attr of ['placeholder', 'title', 'aria-label', 'alt']) {
        const value = el.getAttribute(attr)?.trim();
        if (value) out.push({ text: value, where: `${describe(el)} @${attr}` });
      }
    }
    out.push({ text: document.title, where: 'title' });
    return out;
  });
}

export interface LanguageChecker {
  /** What on a zh-CN page is not Chinese: keys, English messages, English words; empty when fine. */
  untranslated(texts: readonly VisibleText[], names: readonly string[]): string[];
  /** Whether a text is one of the console's English messages (for the en side of a switch). */
  isEnglishMessage(text: string): boolean;
}

/** Builds the checker from the console's message modules (import.meta.glob of `*messages.ts`). */
export function languageChecker(modules: Record<string, BundleModule>): LanguageChecker {
  const english: RegExp[] = [];
  const keys = new Set<string>();
  for (const exports of Object.values(modules)) {
    for (const value of Object.values(exports)) {
      if (!value || typeof value !== 'object' || !('en' in value) || !('zh-CN' in value)) continue;
      const en = (value as { en: Table }).en;
      const zh = (value as { 'zh-CN': Table })['zh-CN'];
      for (const [key, text] of Object.entries(en)) {
        if (key.length > 3) keys.add(key);
        if (text === zh[key]) continue;
        const literal = text.trim().split(/\{\w+\}/);
        // "v{version}" would match any version number: only messages with words of their own.
        if (!/[A-Za-z]{2,}/.test(literal.join(' '))) continue;
        const pattern = literal.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.+');
        english.push(new RegExp(`^${pattern}$`));
      }
    }
  }
  const isEnglishMessage = (text: string) => english.some((re) => re.test(text));

  return {
    isEnglishMessage,
    untranslated(texts, names) {
      const problems: string[] = [];
      const sortedNames = [...names].filter(Boolean).sort((a, b) => b.length - a.length);
      for (const { text, where } of texts) {
        if (sortedNames.includes(text)) continue;
        if (keys.has(text) && /^[a-z]+[A-Z]\w*$/.test(text)) {
          problems.push(`${where}: a message key "${text}"`);
          continue;
        }
        if (isEnglishMessage(text)) {
          problems.push(`${where}: English message "${text}"`);
          continue;
        }
        // JSON (the audit log's details) is data, not text.
        if (/^[[{].*[\]}]$/.test(text)) continue;
        let rest = text;
        for (const name of sortedNames) rest = rest.split(name).join(' ');
        // Quoted commands and names (“berth deploy”, `npm start`, "GREETING") are codes.
        rest = rest.replace(/“[^”]*”|"[^"]*"|`[^`]*`|‘[^’]*’|「[^」]*」/g, ' ');
        // URLs, paths, file names, identifiers with digits or punctuation are codes, not words.
        rest = rest
          .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, ' ')
          .replace(/\S*[/_@#=\d]\S*/g, ' ')
          .replace(/\S*\w\.\w\S*/g, ' ')
          .replace(/(^|\s|[（(])\.\w\S*/g, ' ');
        const words = rest.match(/[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]/g) ?? [];
        const foreign = words.filter((w) => !TECHNICAL.has(w.toLowerCase()) && w.length > 1);
        if (foreign.length >= 2 || foreign.some((w) => w.length >= 4 && /^[A-Z]?[a-z]+$/.test(w))) {
          problems.push(`${where}: English words in "${text}"`);
        }
      }
      return problems;
    },
  };
}

/** The checker over every message bundle of the console (each `*messages.ts` under src/). */
export function consoleLanguageChecker(): LanguageChecker {
  return languageChecker(import.meta.glob<BundleModule>('../../src/**/*messages.ts', { eager: true }));
}
