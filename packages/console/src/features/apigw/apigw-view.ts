// What the API gateway's pages show of systems, components, grants and call records, and who is
// offered which action (plain functions, tested without a browser; the API decides anyway).
import type { ApigwComponent, ApigwRateLimit, ApigwRecord, ApigwSystemSummary } from '@berth/sdk';
import type { Role } from '../../app/feature.ts';

/** Granting and revoking: admins and operators, and developers for the systems whose owner app they
 *  are a member of (the API refuses the rest). Auditors only read. */
export const GRANT_WRITERS: readonly Role[] = ['admin', 'operator', 'developer'];
/** The trusted apps: read by admins, operators and auditors; changed by admins and operators. */
export const TRUST_READERS: readonly Role[] = ['admin', 'operator', 'auditor'];
export const TRUST_WRITERS: readonly Role[] = ['admin', 'operator'];

/** The tabs of /apigw, in order; `roles` absent: everyone. */
export const APIGW_TABS = [
  { key: 'systems' },
  { key: 'grants' },
  { key: 'requests' },
  { key: 'records' },
  { key: 'trusted', roles: TRUST_READERS },
] as const satisfies ReadonlyArray<{ key: string; roles?: readonly Role[] }>;
export type ApigwTab = (typeof APIGW_TABS)[number]['key'];

export function tabsFor(role: Role): ApigwTab[] {
  return APIGW_TABS.filter((tab) => !('roles' in tab) || tab.roles.includes(role)).map((tab) => tab.key);
}

/** The tab an address asks for, when the user has it; else the first. */
export function tabShown(asked: string | null, role: Role): ApigwTab {
  const tabs = tabsFor(role);
  return tabs.find((tab) => tab === asked) ?? 'systems';
}

/** A system's page. */
export function systemPath(name: string): string {
  return `/apigw/systems/${encodeURIComponent(name)}`;
}

/** The OpenAPI document of a system (served by the API, opened as JSON). */
export function openApiPath(name: string): string {
  return `/api/v1/apigw/systems/${encodeURIComponent(name)}/openapi.json`;
}

/** The windows the records tab offers (the API takes any whole number of minutes, hours, days). */
export const RECORD_WINDOWS = ['1h', '24h', '7d'] as const;
export type RecordWindow = (typeof RECORD_WINDOWS)[number];

export function isRecordWindow(value: string | null): value is RecordWindow {
  return (RECORD_WINDOWS as readonly (string | null)[]).includes(value);
}

/** Systems whose name, label or owner app holds the text (any case); all for an empty text. */
export function filterSystems(systems: readonly ApigwSystemSummary[], text: string): ApigwSystemSummary[] {
  const q = text.trim().toLowerCase();
  if (q === '') return [...systems];
  return systems.filter((s) =>
    [s.name, s.label, s.owner ?? ''].some((field) => field.toLowerCase().includes(q)),
  );
}

const PER: Record<ApigwRateLimit['per'], string> = { s: 's', min: 'min', h: 'h', d: 'd' };

/** A rate limit as the YAML writes it: `100/min`. */
export function rateLimitText(limit: ApigwRateLimit | undefined): string {
  return limit ? `${limit.calls}/${PER[limit.per]}` : '—';
}

/** A component's destination: `app (env) /path`; `builtIn` for the built-in system's (berthd). */
export function destText(c: Pick<ApigwComponent, 'dest' | 'destHttpMethod'>, builtIn: string): string {
  if (c.dest === undefined) return builtIn;
  const method = c.destHttpMethod ? `${c.destHttpMethod} ` : '';
  return `${c.dest.app} (${c.dest.env}) ${method}${c.dest.path}`;
}

/** Where callers call a system: the OpenAPI document's server (`{BERTH_API_URL}/api/c/{system}`)
 *  when it has one, else the console's own origin (which serves the API). */
export function callServer(openApi: unknown, origin: string, system: string): string {
  const servers = (openApi as { servers?: Array<{ url?: unknown }> } | null)?.servers;
  const url = Array.isArray(servers) ? servers[0]?.url : undefined;
  if (typeof url === 'string' && /^https?:\/\//.test(url)) return url.replace(/\/+$/, '');
  return `${origin.replace(/\/+$/, '')}/api/c/${encodeURIComponent(system)}`;
}

/** The URL a caller calls a component at: the system's server and the component's path (its `{var}`
 *  segments left for the caller to fill). */
export function callUrl(server: string, path: string): string {
  return `${server}${path.startsWith('/') ? path : `/${path}`}`;
}

/** A date typed as YYYY-MM-DD as a grant's expiry: the grant holds through that day (UTC), so it
 *  expires as the next day begins. Undefined for no date; NaN for something that is not a date. */
export function grantExpiry(raw: string | undefined): number | undefined {
  const text = (raw ?? '').trim();
  if (text === '') return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return Number.NaN;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const start = Date.UTC(y, mo - 1, d);
  const back = new Date(start);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    return Number.NaN;
  }
  return start + 24 * 3600 * 1000;
}

/** A record's status classes as `2xx/4xx/5xx` (3xx are rare through an API; they are in `calls`). */
export function statusText(r: Pick<ApigwRecord, 'status'>): string {
  return `${r.status['2xx']}/${r.status['4xx']}/${r.status['5xx']}`;
}

/** An error share as a percentage with at most one decimal: 0.0033 → "0.3 %". */
export function percentText(rate: number): string {
  if (!Number.isFinite(rate) || rate <= 0) return '0 %';
  const pct = Math.round(rate * 1000) / 10;
  return `${pct === 0 ? '<0.1' : pct} %`;
}

/** Every last error of the records, newest first, with the row it belongs to. */
export function lastErrors(
  records: readonly ApigwRecord[],
): Array<ApigwRecord['lastErrors'][number] & { system: string; component: string; app: string }> {
  return records
    .flatMap((r) => r.lastErrors.map((e) => ({ ...e, system: r.system, component: r.component, app: r.app })))
    .sort((a, b) => b.at - a.at);
}
