// The audit page's filters live in the URL query (so a filtered view is a link to share): read them
// from it, write them back, and turn them into the API's query. Times are written as ISO instants
// (readable in a link); epoch milliseconds are read too. Unreadable values are dropped, not sent.
import type { AuditEvent, AuditQuery } from '@berth/sdk';

/** The API's query without the page: its filters, as the SDK types them (since inclusive, until exclusive). */
export type AuditFilters = Omit<AuditQuery, 'limit' | 'cursor'>;

const TEXT_KEYS = ['actor', 'action', 'targetType', 'targetId'] as const;
export const ACTION_PREFIX_RE = /^[a-z0-9._-]+$/;

function readInstant(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

export function filtersFromSearch(params: URLSearchParams): AuditFilters {
  const filters: AuditFilters = {};
  for (const key of TEXT_KEYS) {
    const value = params.get(key)?.trim();
    if (value) filters[key] = value;
  }
  if (filters.action !== undefined) {
    const action = filters.action.toLowerCase();
    if (ACTION_PREFIX_RE.test(action)) filters.action = action;
    else delete filters.action;
  }
  const since = readInstant(params.get('since'));
  const until = readInstant(params.get('until'));
  if (since !== undefined) filters.since = since;
  if (until !== undefined) filters.until = until;
  return filters;
}

export function filtersToSearch(filters: AuditFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const key of TEXT_KEYS) {
    const value = filters[key]?.trim();
    if (value) params.set(key, value);
  }
  if (filters.since !== undefined) params.set('since', new Date(filters.since).toISOString());
  if (filters.until !== undefined) params.set('until', new Date(filters.until).toISOString());
  return params;
}

/** The API query for one page of events under these filters. */
export function auditQuery(filters: AuditFilters, cursor?: string, limit = 50): AuditQuery {
  return { ...filters, limit, ...(cursor ? { cursor } : {}) };
}

export function hasFilters(filters: AuditFilters): boolean {
  return Object.values(filters).some((v) => v !== undefined);
}

/** Failed attempts are recorded under actions ending in `_failed` (session.login_failed, …). */
export function auditFailed(event: Pick<AuditEvent, 'action'>): boolean {
  return event.action.endsWith('_failed') || event.action.endsWith('.failed');
}
