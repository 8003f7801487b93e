// berth apigw request | requests | approve | refuse | withdraw   (an app asks for a grant of API
// gateway calls; whoever may grant calls to the system decides). The `apigw` group includes these.
import { APIGW_REQUEST_REASON_MAX, APIGW_REQUEST_STATUSES, type ApigwPermissionRequest } from '@berth/sdk';
import type { Command, CommandContext } from '../command.ts';
import { usageError } from '../errors.ts';
import { time } from '../output.ts';
import { appCode } from '../validate.ts';
import { grantTarget, untilDate } from './apigw-grants.ts';

const REASON = { type: 'string' as const, value: 'TEXT', help: 'Why (the other side reads it)' };

function reasonText(raw: string): string {
  if (raw.trim() === '') throw usageError('--reason needs some text');
  if (raw.length > APIGW_REQUEST_REASON_MAX) {
    throw usageError(`--reason is limited to ${APIGW_REQUEST_REASON_MAX} characters`);
  }
  return raw;
}

function optionalReason(ctx: CommandContext): string | undefined {
  const raw = ctx.str('reason');
  return raw === undefined ? undefined : reasonText(raw);
}

function target(r: ApigwPermissionRequest): string {
  return r.component === null ? `${r.system} (every component)` : `${r.system}/${r.component}`;
}

function showRequest(ctx: CommandContext, r: ApigwPermissionRequest): void {
  ctx.out.fields([
    ['Request', r.id],
    ['App', r.app],
    ['Asks to call', target(r)],
    ['Until', r.expiresAt === null ? 'no expiry' : time(r.expiresAt)],
    ['Reason', r.reason],
    ['Status', r.status],
    ['Requested by', `${r.requestedBy}, ${time(r.createdAt)}`],
    ...(r.decidedBy !== null && r.decidedAt !== null
      ? ([['Decided by', `${r.decidedBy}, ${time(r.decidedAt)}`]] as [string, string][])
      : []),
    ...(r.decisionReason !== null ? ([['Decision reason', r.decisionReason]] as [string, string][]) : []),
    ...(r.grantId !== null ? ([['Grant', r.grantId]] as [string, string][]) : []),
  ]);
}

/** approve | refuse | withdraw: one shape, one verb each. */
function decision(
  name: 'approve' | 'refuse' | 'withdraw',
  summary: string,
  notes: string[],
  send: (ctx: CommandContext, id: string) => Promise<{ request: ApigwPermissionRequest }>,
): Command {
  return {
    name,
    summary,
    usage: name === 'refuse' ? 'ID --reason TEXT [--json]' : 'ID [--reason TEXT] [--json]',
    args: [1, 1],
    options: { reason: REASON },
    notes,
    hints: (ctx) => ({
      APIGW_REQUEST_DECIDED: `'berth apigw requests --app APP' shows where it is; ${ctx.args[0]} is decided for good`,
    }),
    async run(ctx) {
      const body = await send(ctx, ctx.args[0]!);
      if (ctx.json) return ctx.out.json(body);
      showRequest(ctx, body.request);
    },
  };
}

export const apigwRequestCommands: Command[] = [
  {
    name: 'request',
    summary: "Ask for APP's permission to call a system (every component) or one component of it",
    usage: 'APP SYSTEM[/COMPONENT] --reason TEXT [--until YYYY-MM-DD] [--json]',
    args: [2, 2],
    options: {
      reason: REASON,
      until: { type: 'string', value: 'YYYY-MM-DD', help: 'The grant would hold through this day (UTC)' },
    },
    notes: [
      "Admins, operators and developer members of the system's owner app decide ('berth apigw approve ID').",
      'One open request per app and target: withdraw it to ask differently.',
    ],
    hints: () => ({
      APIGW_REQUEST_PENDING: "'berth apigw requests --status requested' lists the open ones",
    }),
    async run(ctx) {
      const app = appCode(ctx.args[0]!);
      const { system, component } = grantTarget(ctx.args[1]!);
      const rawReason = ctx.str('reason');
      if (rawReason === undefined) {
        throw usageError(
          "--reason TEXT is required (the system's owner reads why); usage: berth apigw request APP SYSTEM[/COMPONENT] --reason TEXT",
        );
      }
      const until = ctx.str('until');
      const body = await ctx.client().requestApigwPermission({
        app,
        system,
        ...(component !== undefined ? { component } : {}),
        ...(until !== undefined ? { expiresAt: untilDate(until) } : {}),
        reason: reasonText(rawReason),
      });
      if (ctx.json) return ctx.out.json(body);
      showRequest(ctx, body.request);
    },
  },
  {
    name: 'requests',
    summary: 'List permission requests, newest first (developers: those of their apps, as callers or owners)',
    usage: '[--app APP] [--system SYSTEM] [--status STATUS] [--json]',
    args: [0, 0],
    options: {
      app: { type: 'string', short: 'a', value: 'APP', help: 'Only the requests of this calling app' },
      system: { type: 'string', value: 'SYSTEM', help: 'Only the requests for this system' },
      status: { type: 'string', value: 'STATUS', help: `One of ${APIGW_REQUEST_STATUSES.join(', ')}` },
    },
    async run(ctx) {
      const app = ctx.str('app');
      const system = ctx.str('system');
      const status = ctx.str('status');
      if (status !== undefined && !(APIGW_REQUEST_STATUSES as readonly string[]).includes(status)) {
        throw usageError(`--status takes one of ${APIGW_REQUEST_STATUSES.join(', ')}, not '${status}'`);
      }
      const body = await ctx.client().listApigwPermissionRequests({
        ...(app !== undefined ? { app: appCode(app) } : {}),
        ...(system !== undefined ? { system: grantTarget(system).system } : {}),
        ...(status !== undefined ? { status: status as ApigwPermissionRequest['status'] } : {}),
      });
      if (ctx.json) return ctx.out.json(body);
      ctx.out.table(
        ['ID', 'APP', 'SYSTEM', 'COMPONENT', 'STATUS', 'REQUESTED BY', 'WHEN'],
        body.items.map((r) => [
          r.id,
          r.app,
          r.system,
          r.component ?? '*',
          r.status,
          r.requestedBy,
          time(r.createdAt),
        ]),
        'No permission requests.',
      );
    },
  },
  decision(
    'approve',
    'Approve a permission request: the grant is written with it',
    ["Admins, operators and developer members of the system's owner app decide."],
    (ctx, id) => ctx.client().approveApigwPermissionRequest(id, optionalReason(ctx)),
  ),
  decision(
    'refuse',
    'Refuse a permission request, saying why',
    ['--reason is required: the requester reads why.'],
    (ctx, id) => {
      const reason = ctx.str('reason');
      if (reason === undefined) {
        throw usageError(
          '--reason TEXT is required (the requester reads why); usage: berth apigw refuse ID --reason TEXT',
        );
      }
      return ctx.client().refuseApigwPermissionRequest(id, reasonText(reason));
    },
  ),
  decision(
    'withdraw',
    'Withdraw an open permission request',
    ["Its requester, the app's developer members, admins and operators withdraw it."],
    (ctx, id) => ctx.client().withdrawApigwPermissionRequest(id, optionalReason(ctx)),
  ),
];
