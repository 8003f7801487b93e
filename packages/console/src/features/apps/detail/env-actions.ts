// How the app's page offers an action that changes which code serves an environment, from the
// user's permissions (GET /apps/{code}/permissions): directly where the environment needs no
// approval, as a deploy request where it does, or not at all. Those allowed `rollback.emergency`
// (operators and admins by default) may also roll back at once in an environment that needs
// approval (an emergency rollback, with a reason).
import type { AppPermissionsResponse, EnvName } from '@berth/sdk';

export type Way = 'direct' | 'request' | 'none';

export function wayTo(
  perms: AppPermissionsResponse | undefined,
  env: EnvName,
  action: 'deploy' | 'rollback',
): Way {
  if (!perms) return 'none';
  const here = perms.envs[env];
  if (!here.approval) return here.actions.includes(action) ? 'direct' : 'none';
  return here.actions.includes('deploy.request') ? 'request' : 'none';
}

/** A promotion deploys to prod: prod's rule decides. */
export function wayToPromote(perms: AppPermissionsResponse | undefined): Way {
  return wayTo(perms, 'prod', 'deploy');
}

export function mayRollBackInEmergency(perms: AppPermissionsResponse | undefined, env: EnvName): boolean {
  if (!perms) return false;
  const here = perms.envs[env];
  // The API checks both: the rollback itself, and the emergency (operators and admins by default,
  // narrowable by the environment's policy).
  return here.approval && here.actions.includes('rollback') && here.actions.includes('rollback.emergency');
}
