// Who may do what with an app, as plain data (no TypeBox): the actions, what each covers, the roles
// each allows by default, and which environments need approval by default. The server decides with
// these (apps/permissions.ts); the console shows them (imported as `@berth/sdk/permission-rules`, so
// its bundle does not carry the schema library); docs/permissions.md explains them.
import type { EnvName, Role } from './schemas/common.ts';

/** Everything a user can do with an app, one word each. */
export const APP_ACTIONS = [
  'app.read',
  'app.update',
  'app.delete',
  'members.write',
  'config.write',
  'secret.reveal',
  'secret.rotate',
  'limits.write',
  'placement.write',
  'policy.write',
  'notify.read',
  'notify.write',
  'source.push',
  'source.write',
  'source.pin',
  'domain.write',
  'deploy',
  'deploy.request',
  'approve',
  'rollback',
  'rollback.emergency',
  'operate',
  'run',
] as const;
export type AppAction = (typeof APP_ACTIONS)[number];

/** Actions decided per environment (the others are about the app as a whole). */
export const ENV_ACTIONS = [
  'config.write',
  'deploy',
  'deploy.request',
  'approve',
  'rollback',
  'rollback.emergency',
  'operate',
  'run',
] as const satisfies readonly AppAction[];
export type EnvAction = (typeof ENV_ACTIONS)[number];

/** Actions that change which code serves: direct only where the environment needs no approval. */
export const APPROVAL_ACTIONS = ['deploy', 'rollback'] as const satisfies readonly EnvAction[];

/** What each action covers, for the docs and the console. */
export const APP_ACTION_DESCRIPTIONS: Record<AppAction, string> = {
  'app.read': 'see the app: metadata, masked config, members, deploys, releases, instances, logs, jobs',
  'app.update': "change the app's name, description and logo",
  'app.delete': 'delete the app with its releases, instances and data',
  'members.write': 'add and remove members',
  'config.write': "set and unset an environment's config vars (redeploys it with the new config)",
  'secret.reveal': 'read the app secret and secret config values',
  'secret.rotate': 'replace the app secret',
  'limits.write': "set the app's instance ceiling",
  'placement.write': "choose the nodes the app's instances may run on (placement constraints)",
  'policy.write': "change an environment's policy (roles, approval, approvers)",
  'notify.read': "see the app's notification subscriptions and deliveries",
  'notify.write': 'subscribe the app to notification channels',
  'source.push':
    "push to the app's hosted git repository (a push to the deploy branch deploys to its environment)",
  'source.write':
    "change the app's source settings (repository, credentials, deploy branch and tags, webhook secret)",
  'source.pin': "pin the app's manifest, so that a pushed berth.yaml cannot change the pinned fields",
  'domain.write': 'bind custom domains to the app, change their HTTPS settings, order ACME certificates',
  deploy: 'deploy directly: a package, a promotion from stag',
  'deploy.request': 'file a deploy request, withdraw your own',
  approve: "approve or refuse others' deploy requests",
  rollback: 'roll back to an earlier release directly',
  'rollback.emergency': 'roll back at once where approval is needed, giving a reason (audited)',
  operate: 'restart, scale, stop and start; cancel a deploy',
  run: 'run one-off commands in a release (berth run)',
};

const EVERY: readonly Role[] = ['admin', 'operator', 'developer', 'auditor'];
const BUILDERS: readonly Role[] = ['admin', 'operator', 'developer'];
const STAFF: readonly Role[] = ['admin', 'operator'];

/**
 * The roles each action allows when an environment's policy does not narrow it. Developers act only
 * on apps they are members of (any other app looks absent to them); auditors only read.
 */
export const DEFAULT_ACTION_ROLES: Record<AppAction, readonly Role[]> = {
  'app.read': EVERY,
  'app.update': BUILDERS,
  'app.delete': BUILDERS,
  'members.write': BUILDERS,
  'config.write': BUILDERS,
  'secret.reveal': BUILDERS,
  'secret.rotate': BUILDERS,
  'limits.write': ['admin'],
  'placement.write': STAFF,
  'policy.write': STAFF,
  'notify.read': EVERY,
  'notify.write': BUILDERS,
  'source.push': BUILDERS,
  'source.write': BUILDERS,
  'source.pin': STAFF,
  'domain.write': STAFF,
  deploy: BUILDERS,
  'deploy.request': BUILDERS,
  approve: STAFF,
  rollback: BUILDERS,
  'rollback.emergency': STAFF,
  operate: BUILDERS,
  run: BUILDERS,
};

/** Whether each environment needs approval for deploys and rollbacks when its policy was never set. */
export const DEFAULT_APPROVAL: Record<EnvName, boolean> = { stag: false, prod: true };

/** Most named approvers an environment may have. */
export const MAX_APPROVERS = 20;
