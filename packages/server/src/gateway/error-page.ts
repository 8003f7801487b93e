// The page a browser gets for a gateway error (and for berthd's CONSOLE_MISSING, when it has no web
// console to show), in the visitor's language (en or zh-CN): the status,
// the code, one sentence and the request id. Nothing of the request is shown but that id (escaped),
// and the page loads nothing: its only style is inline, allowed by hash in a CSP that forbids
// everything else. Programs keep the JSON body (see gateway-errors.ts).
import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The gateway's own errors (gateway-errors.ts answers them; this page words them). */
export type GatewayErrorCode =
  | 'GATEWAY_NO_ROUTE'
  | 'GATEWAY_BAD_REQUEST'
  | 'GATEWAY_NO_UPSTREAM'
  | 'GATEWAY_BAD_UPSTREAM'
  | 'GATEWAY_TIMEOUT';

/** The codes this page words: the gateway's, a request body over the limit (nginx answers it
 *  itself), and berthd's console page when it has no console. */
export type PageErrorCode = GatewayErrorCode | 'PAYLOAD_TOO_LARGE' | 'CONSOLE_MISSING';

export type PageLanguage = 'en' | 'zh-CN';

const TEXT: Record<PageLanguage, { title: string; requestId: string } & Record<PageErrorCode, string>> = {
  en: {
    title: 'This page cannot be shown',
    requestId: 'Request id',
    GATEWAY_NO_ROUTE: 'No app is served at this address. Check the address.',
    GATEWAY_BAD_REQUEST: 'The request could not be passed on to the app.',
    GATEWAY_NO_UPSTREAM:
      'This app is not running right now: it is stopped, not deployed yet, or restarting. Try again later.',
    GATEWAY_BAD_UPSTREAM: 'The app closed the connection before it answered. Try again in a moment.',
    GATEWAY_TIMEOUT: 'The app did not answer in time. Try again in a moment.',
    PAYLOAD_TOO_LARGE: 'What was sent is larger than this server accepts. Send less at once.',
    CONSOLE_MISSING:
      'This Berth server has no web console to show: build it (npm run build) or set BERTH_CONSOLE_DIR. The API and the berth CLI work without it.',
  },
  'zh-CN': {
    title: '无法显示此页面',
    requestId: '请求 ID',
    GATEWAY_NO_ROUTE: '此地址上没有应用。请检查地址是否正确。',
    GATEWAY_BAD_REQUEST: '此请求无法转发给应用。',
    GATEWAY_NO_UPSTREAM: '此应用当前未在运行：已停止、尚未部署或正在重启。请稍后再试。',
    GATEWAY_BAD_UPSTREAM: '应用在应答之前关闭了连接。请稍后再试。',
    GATEWAY_TIMEOUT: '应用未能及时应答。请稍后再试。',
    PAYLOAD_TOO_LARGE: '发送的内容超出了此服务器接受的大小。请减少一次发送的内容。',
    CONSOLE_MISSING:
      '此 Berth 服务器没有可显示的 Web 控制台：请先构建（npm run build）或设置 BERTH_CONSOLE_DIR。API 和 berth 命令行工具不受影响。',
  },
};

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#222;background:#f6f6f6}' +
  'main{max-width:36em;margin:12vh auto;padding:0 1.5em}h1{font-size:1.4em;margin:0 0 .5em}' +
  'code{background:#e8e8e8;padding:.1em .3em;border-radius:3px}p.id{color:#666;font-size:.9em}';

/** The page's Content-Security-Policy: nothing may load, no script runs, only its own style. */
export const ERROR_PAGE_CSP =
  `default-src 'none'; style-src 'sha256-${crypto.createHash('sha256').update(STYLE).digest('base64')}'; ` +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** The page for a code, status and request id. */
export function errorPage(
  code: PageErrorCode,
  status: number,
  requestId: string,
  lang: PageLanguage,
): Buffer {
  const text = TEXT[lang];
  return Buffer.from(
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">` +
      '<meta name="viewport" content="width=device-width,initial-scale=1">' +
      `<meta name="robots" content="noindex"><title>${status} · ${text.title}</title>` +
      `<style>${STYLE}</style></head><body><main><h1>${status} · ${text.title}</h1>` +
      `<p>${text[code]}</p><p><code>${code}</code></p>` +
      `<p class="id">${text.requestId}: <code>${escapeHtml(requestId)}</code></p></main></body></html>`,
  );
}

/** Whether the client prefers an HTML page to JSON: it lists text/html (as browsers do) and does
 *  not rank application/json at least as high. A bare wildcard (curl, fetch, most clients) means JSON. */
export function wantsHtml(headers: IncomingHttpHeaders): boolean {
  const accept = headers.accept;
  if (accept === undefined || !accept.includes('html')) return false;
  let html = 0;
  let json = 0;
  for (const [range, q] of ranked(accept)) {
    if (range === 'text/html' || range === 'application/xhtml+xml') html = Math.max(html, q);
    else if (range === 'application/json') json = Math.max(json, q);
  }
  return html > 0 && html > json;
}

/** The visitor's language among those of the page: the first zh or en tag by weight; en otherwise. */
export function pageLanguage(headers: IncomingHttpHeaders): PageLanguage {
  const header = headers['accept-language'];
  if (header === undefined) return 'en';
  let best: PageLanguage = 'en';
  let bestQ = 0;
  for (const [tag, q] of ranked(header)) {
    const lang =
      tag === 'zh' || tag.startsWith('zh-') ? 'zh-CN' : tag === 'en' || tag.startsWith('en-') ? 'en' : null;
    if (lang !== null && q > bestQ) {
      best = lang;
      bestQ = q;
    }
  }
  return best;
}

/** The entries of an Accept-style header, lower-cased, with their weights (1 when not given). */
function* ranked(header: string): Generator<[string, number]> {
  // Bounded: a header of thousands of entries is not worth reading through.
  const parts = header.split(',', 64);
  for (const part of parts) {
    const [value, ...params] = part.split(';');
    let q = 1;
    for (const param of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(param);
      if (m) q = Number(m[1]);
    }
    yield [value!.trim().toLowerCase(), q];
  }
}
