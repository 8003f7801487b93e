// Which decisions a user is offered on a deploy request: approve and refuse for those the
// environment lets approve (never the requester), withdraw for the requester until it starts. The
// API decides in the end; a refusal it answers (SELF_APPROVAL_FORBIDDEN, REQUEST_NOT_PENDING …) is
// still shown.
import type { AppAction, Deploy } from '@berth/sdk';

export interface RequestActions {
  approve: boolean;
  refuse: boolean;
  withdraw: boolean;
}

/** Requests not decided yet (an approved one waits for its window and may still be withdrawn). */
export function isPending(status: Deploy['status']): boolean {
  return status === 'requested' || status === 'approved';
}

export function requestActions(
  request: Pick<Deploy, 'status' | 'createdBy'>,
  username: string,
  /** The user's actions in the request's environment (appPermissions), when known. */
  envActions: readonly AppAction[] | undefined,
): RequestActions {
  const mine = request.createdBy === username;
  const decidable = request.status === 'requested' && !mine && (envActions?.includes('approve') ?? false);
  return {
    approve: decidable,
    refuse: decidable,
    withdraw: mine && isPending(request.status),
  };
}
