// berth policy show | set   (an environment's policy: approval, named approvers, narrowed roles) and
// berth permissions   (what you may do with an app, per environment)
import {
  DEFAULT_ACTION_ROLES,
  ENV_NAMES,
  type EnvName,
  type EnvPolicy,
  type EnvPolicyBody,
} from '@berth/sdk';
import type { CommandContext, Group } from '../command.ts';
import { usageError } from '../errors.ts';
import { envName, onOff, POLICY_ROLES_RULE, policyRoles, usernameList } from '../validate.ts';
import { APP_OPTION, appCode } from './target.ts';

const SHOW_USAGE = 'berth policy show --app CODE [--env stag|prod]';
const SET_USAGE =
  "berth policy set --app CODE --env stag|prod [--approval on|off] [--approvers NAME,…] [--roles 'ACTION=ROLE,…;…']";
const PERMISSIONS_USAGE = 'berth permissions --app CODE';

const ENV_OPTION = {
  env: { type: 'string' as const, short: 'e', value: 'ENV', help: 'The environment: stag or prod' },
};

export const policyGroup: Group = {
  name: 'policy',
  summary: "An environment's policy: whether deploys need approval, named approvers, narrowed roles",
  defaultCommand: 'show',
  commands: [
    {
      name: 'show',
      summary: "Show an environment's policy (both environments' without --env)",
      usage: '--app CODE [--env stag|prod] [--json]',
      args: [0, 0],
      options: { ...APP_OPTION, ...ENV_OPTION },
      notes: [
        'With --json and --env: the API\'s { "policy": … }; without --env: { "policies": [stag, prod] }.',
      ],
      async run(ctx) {
        const app = appCode(ctx, SHOW_USAGE);
        const raw = ctx.str('env');
        const envs: EnvName[] = raw === undefined ? [...ENV_NAMES] : [envName(raw)];
        const client = ctx.client();
        const policies: EnvPolicy[] = [];
        for (const env of envs) policies.push((await client.getPolicy(app, env)).policy);
        if (ctx.json) return ctx.out.json(raw === undefined ? { policies } : { policy: policies[0] });
        policies.forEach((policy, i) => {
          if (i > 0) ctx.out.line();
          printPolicy(ctx, app, policy);
        });
      },
    },
    {
      name: 'set',
      summary: "Change an environment's policy (operators and admins); what is not given stays",
      usage:
        "--app CODE --env stag|prod [--approval on|off] [--approvers NAME,…] [--roles 'ACTION=ROLE,…;…'] [--json]",
      args: [0, 0],
      options: {
        ...APP_OPTION,
        ...ENV_OPTION,
        approval: {
          type: 'string',
          value: 'on|off',
          help: 'on: deploys and rollbacks go through approved deploy requests; off: they go straight',
        },
        approvers: {
          type: 'string',
          value: 'NAMES',
          help: "Who may approve besides operators and admins, comma-separated ('' for nobody else)",
        },
        roles: {
          type: 'string',
          value: 'SPEC',
          help: `Narrow the roles of actions: ${POLICY_ROLES_RULE}`,
        },
      },
      notes: [
        '--env is required here. --roles replaces every narrowing at once: actions it does not name get',
        "their defaults back. Example: --roles 'deploy=admin,operator;run=admin' (quote it: ';' ends a shell",
        'command). ACTION is one of config.write, deploy, deploy.request, approve, rollback, operate, run;',
        'a policy only narrows, so a role an action does not allow by default is refused.',
        'An approver is an active admin, operator, or a developer who is a member of the app.',
      ],
      async run(ctx) {
        const app = appCode(ctx, SET_USAGE);
        const raw = ctx.str('env');
        if (raw === undefined)
          throw usageError(`--env is required (a policy is per environment); usage: ${SET_USAGE}`);
        const env = envName(raw);
        const body = policyBody(ctx);
        const result = await ctx.client().setPolicy(app, env, body);
        if (ctx.json) return ctx.out.json(result);
        ctx.out.note(`Set the policy of ${app}/${env}.`);
        printPolicy(ctx, app, result.policy);
      },
    },
  ],
};

export const permissionsGroup: Group = {
  name: 'permissions',
  summary: 'What you may do with an app, per environment',
  single: true,
  commands: [
    {
      name: 'permissions',
      summary: 'Show what you may do with an app: app-wide, and in each environment',
      usage: '--app CODE [--json]',
      args: [0, 0],
      options: APP_OPTION,
      notes: [
        "Where APPROVAL says needed, deploys and rollbacks go through deploy requests ('--request', or",
        "'berth requests create'), whatever your role allows; operators and admins may also roll back",
        'with --emergency REASON.',
      ],
      async run(ctx) {
        const app = appCode(ctx, PERMISSIONS_USAGE);
        const body = await ctx.client().appPermissions(app);
        if (ctx.json) return ctx.out.json(body);
        ctx.out.fields([
          ['App', body.app],
          ['Your role', body.role],
          ['App-wide', body.actions.join(' ') || '(nothing)'],
        ]);
        ctx.out.line();
        ctx.out.table(
          ['ENV', 'APPROVAL', 'YOU MAY'],
          ENV_NAMES.map((env) => {
            const { actions, approval } = body.envs[env];
            return [env, approval ? 'needed' : 'no', actions.join(' ') || '(nothing)'];
          }),
          '',
        );
        if (ENV_NAMES.some((env) => body.envs[env].approval)) {
          ctx.out.note(
            "Where approval is needed, deploys and rollbacks go through approved requests ('--request').",
          );
        }
      },
    },
  ],
};

/** The body of `policy set` from its options; a usage error when none is given. */
function policyBody(ctx: CommandContext): EnvPolicyBody {
  const approval = ctx.str('approval');
  const approvers = ctx.str('approvers');
  const roles = ctx.str('roles');
  if (approval === undefined && approvers === undefined && roles === undefined) {
    throw usageError(`nothing to change: give --approval, --approvers or --roles; usage: ${SET_USAGE}`);
  }
  return {
    ...(approval !== undefined && { approval: onOff('approval', approval) }),
    ...(approvers !== undefined && { approvers: usernameList('approvers', approvers) }),
    ...(roles !== undefined && { roles: policyRoles(roles) }),
  };
}

/** A policy as `Key: value` lines; the roles in the syntax --roles takes. */
function printPolicy(ctx: CommandContext, app: string, policy: EnvPolicy): void {
  ctx.out.fields([
    ['Environment', `${app}/${policy.env}${policy.default ? ' (never set: the defaults)' : ''}`],
    ['Approval', policy.approval ? 'on: deploys and rollbacks need an approved request' : 'off'],
    ['Approvers', approversText(policy)],
    ['Roles', rolesText(policy.roles) || 'the defaults for every action'],
  ]);
}

/** Who may approve: the roles `approve` allows here, then the named users. */
function approversText(policy: EnvPolicy): string {
  const narrowed = policy.roles.approve;
  const roles = DEFAULT_ACTION_ROLES.approve.filter((r) => narrowed === undefined || narrowed.includes(r));
  const parts = [roles.length ? `roles ${roles.join(', ')}` : 'no role'];
  if (policy.approvers.length) parts.push(`users ${policy.approvers.join(', ')}`);
  return parts.join('; ');
}

/** `deploy=admin,operator;run=none`: what --roles takes. */
export function rolesText(roles: EnvPolicy['roles']): string {
  return Object.entries(roles)
    .flatMap(([action, list]) => (list ? [`${action}=${list.length ? list.join(',') : 'none'}`] : []))
    .join(';');
}
