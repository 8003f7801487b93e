// Reading the few fields Berth needs from a push payload. A verified payload still comes from outside
// Berth, so every field is checked for its type and shape before it is used.
import { BerthError } from '../../errors.ts';
import type { HookEvent } from './provider.ts';

/** A full commit id: SHA-1 (40 hex digits) or SHA-256 (64) object names. */
const COMMIT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export type Json = Record<string, unknown>;

/** The payload as an object; VALIDATION_FAILED when it is anything else. */
function objectOf(payload: unknown): Json {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new BerthError('VALIDATION_FAILED', 'The webhook payload is not a JSON object');
  }
  return payload as Json;
}

/** `obj[key]` when it is an object. */
export function child(obj: Json, key: string): Json | undefined {
  const value = obj[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

/** `obj[key]` when it is a non-empty string. */
export function text(obj: Json | undefined, key: string): string | undefined {
  const value = obj?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The first of `candidates` that is a commit id; VALIDATION_FAILED when none is. */
function commitOf(field: string, ...candidates: Array<string | undefined>): string {
  const found = candidates.find((c) => c !== undefined && COMMIT.test(c));
  if (found === undefined) {
    throw new BerthError('VALIDATION_FAILED', `The push payload's "${field}" is not a commit id`);
  }
  return found;
}

/** The pushed ref; VALIDATION_FAILED when the payload has none. */
function refOf(obj: Json): string {
  const ref = text(obj, 'ref');
  if (ref === undefined) throw new BerthError('VALIDATION_FAILED', 'The push payload has no "ref"');
  return ref;
}

/** True for the all-zeros id a deleted ref "points to". */
export function isZeroCommit(commit: string): boolean {
  return /^0+$/.test(commit);
}

/** Where a provider's push payload keeps what Berth reads besides `ref` and `after`. */
export interface PushFields {
  /** Candidates for the pushed commit, best first (`after` is tried last). */
  commits: Array<string | undefined>;
  pusher: string | undefined;
  repositoryUrl: string | undefined;
}

/** A push payload read with the provider's `fields`: its ref, the commit (the all-zeros `after` of a
 *  deletion as is), who pushed and the repository's URL. */
export function readPush(payload: unknown, fields: (push: Json) => PushFields): HookEvent {
  const push = objectOf(payload);
  const { commits, pusher, repositoryUrl } = fields(push);
  const after = text(push, 'after');
  const commit = after !== undefined && isZeroCommit(after) ? after : commitOf('after', ...commits, after);
  return {
    kind: 'push',
    ref: refOf(push),
    commit,
    ...(pusher === undefined ? {} : { pusher }),
    ...(repositoryUrl === undefined ? {} : { repositoryUrl }),
  };
}
