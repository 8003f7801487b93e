// The gateway's error answers as nginx serves them: one file per status and variant (JSON for
// programs, an HTML page per language for browsers, the same bodies as the built-in gateway's),
// chosen by maps on Accept and Accept-Language, and served from an internal location that every
// server block includes. The page's request id is filled in by SSI when nginx sends it.
import { ERRORS } from '../../errors.ts';
import { ERROR_PAGE_CSP, errorPage, type PageErrorCode, type PageLanguage } from '../error-page.ts';
import { quote } from './nginx-syntax.ts';

/** The internal URI prefix error pages are served under (a prefix no route may use). */
export const ERROR_URI = '/.berth-gateway-error/';

/** The status nginx answers itself and the catalogue's code for it. */
const STATUS_CODES: ReadonlyArray<[number, PageErrorCode]> = [
  [400, 'GATEWAY_BAD_REQUEST'],
  [404, 'GATEWAY_NO_ROUTE'],
  [413, 'PAYLOAD_TOO_LARGE'],
  [502, 'GATEWAY_BAD_UPSTREAM'],
  [503, 'GATEWAY_NO_UPSTREAM'],
  [504, 'GATEWAY_TIMEOUT'],
];

const LANGUAGES: readonly PageLanguage[] = ['en', 'zh-CN'];

/** What SSI replaces with the request id (HTML-escaped). */
const PLACEHOLDER = 'BERTHREQUESTIDPLACEHOLDER';

export interface RenderedFile {
  content: string;
  /** File mode (0o644 for configuration, 0o600 for private keys). */
  mode: number;
}

/** `errors/{status}.json` and `errors/{status}.{lang}.html`, relative to the configuration dir. */
export function errorFiles(): Map<string, RenderedFile> {
  const files = new Map<string, RenderedFile>();
  for (const [status, code] of STATUS_CODES) {
    const json = JSON.stringify({ error: { code, message: ERRORS[code].message } });
    files.set(`errors/${status}.json`, { content: json, mode: 0o644 });
    for (const lang of LANGUAGES) {
      const page = errorPage(code, status, PLACEHOLDER, lang)
        .toString()
        .replace(PLACEHOLDER, '<!--# echo var="berth_request_id" encoding="entity" -->');
      files.set(`errors/${status}.${lang}.html`, { content: page, mode: 0o644 });
    }
  }
  return files;
}

/** http-level maps: the variant of the error body (`.json`, `.en.html`, `.zh-CN.html`) and the
 *  headers only pages carry. A client gets a page when its Accept names text/html (or XHTML) and
 *  not application/json; q-values are not weighed (the built-in gateway weighs them). */
export function errorMaps(): string {
  return `map $http_accept $berth_err_html {
    default 0;
    "~*application/json" 0;
    "~*(text/html|application/xhtml\\+xml)" 1;
  }
  map $http_accept_language $berth_err_lang_pref {
    default "en";
    "~*^\\s*zh" "zh-CN";
    "~*^\\s*en" "en";
    "~*(^|,)\\s*zh(-|;|,|\\s|$)" "zh-CN";
  }
  map $berth_err_html $berth_err_variant {
    default ".json";
    1 ".$berth_err_lang_pref.html";
  }
  map $berth_err_html $berth_err_lang {
    default "";
    1 $berth_err_lang_pref;
  }
  map $berth_err_html $berth_err_csp {
    default "";
    1 ${quote(ERROR_PAGE_CSP)};
  }
  map $berth_err_html $berth_err_nosniff {
    default "";
    1 "nosniff";
  }
  map $berth_err_html $berth_err_referrer {
    default "";
    1 "no-referrer";
  }`;
}

/** The error_page directives (a level that sets any must repeat them all: nginx does not merge). */
export function errorPageLines(): string[] {
  return STATUS_CODES.map(([status]) => `error_page ${status} ${ERROR_URI}${status}$berth_err_variant;`);
}

/** Server-level lines: error_page for every status, and the internal location serving them.
 *  `headers` are the add_header lines every location of the server carries (request id, HSTS). */
export function errorServerLines(confDir: string, headers: readonly string[]): string[] {
  const lines = errorPageLines();
  lines.push(
    `location ^~ ${ERROR_URI} {`,
    '  internal;',
    `  alias ${quote(`${confDir}/errors/`)};`,
    '  ssi on;',
    '  types { text/html html; application/json json; }',
    '  charset utf-8;',
    '  charset_types application/json;',
    '  etag off;',
    '  add_header Cache-Control "no-store" always;',
    '  add_header Vary "Accept, Accept-Language" always;',
    '  add_header Content-Language $berth_err_lang always;',
    '  add_header Content-Security-Policy $berth_err_csp always;',
    '  add_header X-Content-Type-Options $berth_err_nosniff always;',
    '  add_header Referrer-Policy $berth_err_referrer always;',
    ...headers.map((h) => `  ${h}`),
    '}',
  );
  return lines;
}
