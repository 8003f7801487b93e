// Filing a deploy request from the command line: the --note, --at and --until options and what they
// mean, the request itself, and what the CLI says once the server took it. `berth requests create`
// and the `--request` form of deploy, promote and rollback all file through here.
import { type BerthClient, type Deploy, REQUEST_TEXT_MAX, type RequestCreateBody } from '@berth/sdk';
import type { CommandContext, OptionSpecs } from '../command.ts';
import { usageError } from '../errors.ts';
import { AT_HELP, parseAt } from '../since.ts';
import { requestedText, windowText } from './request-view.ts';
import type { SourceWhat } from './source-option.ts';
import type { Target } from './target.ts';

/** --note, --at, --until: what a request says and when it may start. */
export const REQUEST_OPTIONS: OptionSpecs = {
  note: { type: 'string', value: 'TEXT', help: 'Why: what the approver reads' },
  at: { type: 'string', value: 'TIME', help: `Start no earlier than TIME: ${AT_HELP}` },
  until: {
    type: 'string',
    value: 'TIME',
    help: 'Give up (the deploy ends cancelled) unless it started by TIME (the forms of --at)',
  },
};

/** The `--request` switch of deploy, promote and rollback, with the options it takes. */
export const REQUEST_SWITCH: OptionSpecs = {
  request: {
    type: 'boolean',
    help: 'File a deploy request for an approver instead of deploying (with --note, --at, --until)',
  },
  ...REQUEST_OPTIONS,
};

export const REQUEST_NOTE =
  "--at 02:00 means the next 02:00 local time; an approved request starts once its window opens. 'berth requests' lists requests.";

/** What a request says and when it may start, as the API takes them. */
export interface RequestTerms {
  note?: string;
  notBefore?: number;
  notAfter?: number;
}

/**
 * The terms from --note, --at and --until, checked before any request: `--until HH:MM` is the first
 * such time after --at (or after now), and the window must be one a deploy can still start in.
 */
export function requestTerms(
  ctx: CommandContext,
  options: { defaultNote?: string | undefined; now?: number } = {},
): RequestTerms {
  const now = options.now ?? Date.now();
  const note = ctx.str('note') ?? options.defaultNote;
  const at = ctx.str('at');
  const until = ctx.str('until');
  const terms: RequestTerms = {};
  if (note !== undefined) terms.note = requestText('note', note);
  if (at !== undefined) terms.notBefore = parseAt(at, now, 'at');
  if (until !== undefined) {
    const notAfter = parseAt(until, terms.notBefore ?? now, 'until');
    if (notAfter <= now) throw usageError(`--until ${until} is past: the request could never start`);
    if (terms.notBefore !== undefined && notAfter <= terms.notBefore) {
      throw usageError(`--until ${until} must be later than --at ${at}`);
    }
    terms.notAfter = notAfter;
  }
  return terms;
}

/** A note or reason as the API takes it: not empty, at most REQUEST_TEXT_MAX characters. */
export function requestText(option: string, text: string): string {
  if (text.trim() === '') throw usageError(`--${option} needs some text`);
  if (text.length > REQUEST_TEXT_MAX) {
    throw usageError(`--${option} is limited to ${REQUEST_TEXT_MAX} characters`);
  }
  return text;
}

/** The hint for APPROVAL_REQUIRED: the same command with --request. */
export function requestHint(command: string): string {
  return `or add --request: ${command} --request --note TEXT`;
}

/**
 * The request's terms when `--request` was given (deploy, promote, rollback); otherwise undefined,
 * and --note, --at or --until given anyway is a usage error (they describe a request).
 */
export function switchedTerms(
  ctx: CommandContext,
  options: { defaultNote?: string | undefined } = {},
): RequestTerms | undefined {
  if (ctx.flag('request')) return requestTerms(ctx, options);
  const given = Object.keys(REQUEST_OPTIONS).find((name) => ctx.str(name) !== undefined);
  if (given !== undefined) throw usageError(`--${given} goes with --request (it describes a deploy request)`);
  return undefined;
}

/**
 * What a request asks for: a promotion or rollback (of a release version), or a build of a package's
 * bytes, a git ref or an image.
 */
export type RequestWhat =
  | { kind: 'promote' | 'rollback'; version?: number | undefined }
  | { kind: 'package'; data: Uint8Array }
  | SourceWhat;

/** Files the request and says so: the request on stdout (`--json`: `{ deploy }`), what next on stderr. */
export async function fileRequest(
  ctx: CommandContext,
  client: BerthClient,
  where: Target,
  what: RequestWhat,
  terms: RequestTerms,
): Promise<Deploy> {
  const { deploy } =
    what.kind === 'package'
      ? await client.fileRequestPackage(where.app, where.env, what.data, terms)
      : await client.fileRequest(where.app, where.env, { ...requestBody(what), ...terms });
  if (ctx.json) {
    ctx.out.json({ deploy });
    return deploy;
  }
  const window = windowText(deploy.request);
  ctx.out.line(
    `Filed deploy request ${deploy.id}: ${requestedText(deploy)}, waiting for approval${window ? ` (window: ${window})` : ''}.`,
  );
  ctx.out.note(
    `An approver runs 'berth approve ${deploy.id}'; until it starts, 'berth requests withdraw ${deploy.id}' withdraws it.`,
  );
  return deploy;
}

/** The API's body for what a request asks, but a package (which is uploaded instead). */
function requestBody(what: Exclude<RequestWhat, { kind: 'package' }>): RequestCreateBody {
  switch (what.kind) {
    case 'git':
      return { kind: 'build', ref: what.ref, ...(what.repository && { repository: what.repository }) };
    case 'image':
      return { kind: 'build', image: what.image };
    default:
      return { kind: what.kind, ...(what.version !== undefined && { version: what.version }) };
  }
}
