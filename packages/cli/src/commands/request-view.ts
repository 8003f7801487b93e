// How the CLI shows deploy requests: the listing's columns, a request's `Key: value` block (also the
// request part of `berth deploys info`), its window and what it asks for, in words.
import type { Deploy } from '@berth/sdk';
import { errorText, time, truncate } from '../output.ts';
import { originText } from './origin-view.ts';

export const REQUEST_HEADERS = ['ID', 'APP', 'ENV', 'KIND', 'STATUS', 'BY', 'NOTE', 'WINDOW', 'DECIDED BY'];

/** One row of a request listing, under REQUEST_HEADERS. */
export function requestRow(d: Deploy): string[] {
  return [
    d.id,
    d.app,
    d.env,
    d.kind,
    statusText(d),
    d.createdBy,
    truncate(d.request?.note ?? '', 30),
    windowText(d.request),
    d.request?.decidedBy ?? '',
  ];
}

/** The status, with the error code of a deploy that ended badly: `failed (BUILD_FAILED)`. */
export function statusText(d: Pick<Deploy, 'status' | 'error'>): string {
  return d.error ? `${d.status} (${d.error.code})` : d.status;
}

/** When a request may start: `from T`, `until T`, `T – T`, or '' when any time will do. */
export function windowText(request: Deploy['request']): string {
  const from = request?.notBefore;
  const until = request?.notAfter;
  if (from !== undefined && until !== undefined) return `${time(from)} – ${time(until)}`;
  if (from !== undefined) return `from ${time(from)}`;
  if (until !== undefined) return `until ${time(until)}`;
  return '';
}

/**
 * What a request deploys, in words: `promotion of stag v3 to prod`, `rollback of shop/prod`,
 * `git v1.2.0 9b1e2c3d deploy to shop/prod`.
 */
export function requestedText(d: Deploy): string {
  const where = `${d.app}/${d.env}`;
  if (d.kind === 'promote') {
    const from = d.request?.fromVersion;
    return `promotion of stag${from ? ` v${from}` : ''} to ${where}`;
  }
  if (d.kind === 'rollback') return `rollback of ${where}`;
  if (d.kind === 'build') {
    // A package is named by its kind only; a git ref or an image by what it deploys.
    const what = d.origin && d.origin.type !== 'package' ? originText(d.origin) : 'package';
    return `${what} deploy to ${where}`;
  }
  return `${d.kind} of ${where}`;
}

/** A deploy's request side and emergency reason as `Key: value` pairs (none for a plain deploy). */
export function requestPairs(d: Deploy): Array<[string, string | undefined]> {
  const r = d.request;
  const pairs: Array<[string, string | undefined]> = r
    ? [
        ['Note', r.note],
        ['Window', windowText(r) || undefined],
        ['Promotes', r.fromVersion ? `stag v${r.fromVersion}` : undefined],
        ['Decided', r.decidedBy ? `${time(r.decidedAt)} by ${r.decidedBy}` : undefined],
        ['Reason', r.reason],
      ]
    : [];
  if (d.emergency) pairs.push(['Emergency', d.emergency.reason]);
  return pairs;
}

/** A request as `Key: value` lines (`berth requests show`). */
export function requestFields(d: Deploy): Array<[string, string | undefined]> {
  return [
    ['ID', d.id],
    ['App', `${d.app}/${d.env}`],
    ['Kind', d.kind],
    ['Status', d.status],
    ['Requested', `${time(d.createdAt)} by ${d.createdBy}`],
    ...requestPairs(d),
    ['Release', d.release ? `v${d.release}` : undefined],
    ['Started', time(d.startedAt) || undefined],
    ['Finished', time(d.finishedAt) || undefined],
    ['Error', d.error && errorText(d.error)],
    ['Job', d.jobId],
  ];
}
