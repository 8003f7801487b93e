// What Berth does with a verified delivery, as a pure function of what it asks for: hand a push or tag
// to the deploy trigger, or ignore it with a reason (a ping, another event, a ref that is no branch or
// tag, a deletion). A ref git would refuse is an error: no real host sends one.
import { BerthError } from '../errors.ts';
import { clean } from './delivery-log.ts';
import type { HookEvent } from './providers/provider.ts';
import { isZeroCommit } from './providers/push-payload.ts';
import { isValidRefName, type PushKind, pushKindOf } from './ref-name.ts';

export type Decision =
  | {
      action: 'ignore';
      reason: string;
      /** 200 for GitHub's ping (it shows the answer as the hook's health), else 202. */
      status: 200 | 202;
      /** What the log keeps of a push that is ignored. */
      ref?: string;
      commit?: string;
    }
  | {
      action: 'hand';
      kind: PushKind;
      ref: string;
      commit: string;
      /** Clipped, without control characters (they come from the payload). */
      pusher?: string;
      repositoryUrl?: string;
    };

export function decide(hook: HookEvent): Decision {
  if (hook.kind === 'ping') return { action: 'ignore', reason: 'ping', status: 200 };
  if (hook.kind === 'other') return { action: 'ignore', reason: hook.reason, status: 202 };
  const shown = clean(hook.ref, 512)!;
  const seen = { ref: shown, commit: hook.commit };
  const kind = pushKindOf(hook.ref);
  if (kind === undefined) {
    return { action: 'ignore', reason: `ref ${shown} is neither a branch nor a tag`, status: 202, ...seen };
  }
  const noun = kind === 'tag' ? 'tag' : 'branch';
  if (!isValidRefName(hook.ref)) {
    throw new BerthError('GIT_REF_INVALID', `The pushed ref ${shown} is not a valid git ${noun} name`);
  }
  if (isZeroCommit(hook.commit)) {
    return { action: 'ignore', reason: `${noun} ${hook.ref} was deleted`, status: 202, ...seen };
  }
  const pusher = clean(hook.pusher, 255);
  const repositoryUrl = clean(hook.repositoryUrl, 2048);
  return {
    action: 'hand',
    kind,
    ref: hook.ref,
    commit: hook.commit,
    ...(pusher === null ? {} : { pusher }),
    ...(repositoryUrl === null ? {} : { repositoryUrl }),
  };
}
