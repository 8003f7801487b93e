// berth approve ID | berth refuse ID   (an approver decides someone else's deploy request; approve
// --wait follows the deploy it starts like `berth deploy` does)
import type { Deploy } from '@berth/sdk';
import type { CommandContext, Group } from '../command.ts';
import type { Hints } from '../errors.ts';
import { usageError } from '../errors.ts';
import { followDeploy, sayHowToFollow } from '../follow-deploy.ts';
import { FOLLOW_NOTE } from './deploy.ts';
import { requestText } from './file-request.ts';
import { requestedText, windowText } from './request-view.ts';
import { appUrl } from './target.ts';

const REASON_OPTION = {
  reason: { type: 'string' as const, value: 'TEXT', help: 'Why (the requester reads it)' },
};

/** What to do when the decision is not this user's to make, or no longer open. */
function decisionHints(ctx: CommandContext): Hints {
  const id = ctx.args[0];
  return {
    SELF_APPROVAL_FORBIDDEN: `another approver decides it; 'berth requests withdraw ${id}' withdraws it`,
    REQUEST_NOT_PENDING: `'berth requests show ${id}' shows where it is`,
  };
}

export const approveGroup: Group = {
  name: 'approve',
  summary: "Approve someone else's deploy request: it starts now, or when its window opens",
  single: true,
  commands: [
    {
      name: 'approve',
      summary: "Approve someone else's deploy request: it starts now, or when its window opens",
      usage: 'ID [--reason TEXT] [--wait] [--json]',
      args: [1, 1],
      options: {
        ...REASON_OPTION,
        wait: {
          type: 'boolean',
          help: 'Follow the deploy it starts to its end, like berth deploy (also through a window yet to open)',
        },
      },
      notes: [
        "Operators, admins and the environment's named approvers approve; nobody approves their own request.",
        `With --wait: ${FOLLOW_NOTE}`,
      ],
      hints: decisionHints,
      async run(ctx) {
        const reason = ctx.str('reason');
        const client = ctx.client();
        const { deploy } = await client.approveRequest(
          ctx.args[0]!,
          reason === undefined ? undefined : requestText('reason', reason),
        );
        if (ctx.flag('wait')) {
          if (deploy.status === 'approved' && !ctx.json) ctx.out.note(startsText(deploy));
          await followDeploy(
            ctx,
            client,
            deploy,
            async (d) => `Deployed v${d.release} to ${await appUrl(client, { app: d.app, env: d.env })}`,
          );
          return;
        }
        if (ctx.json) return ctx.out.json({ deploy });
        ctx.out.line(`Approved deploy request ${deploy.id}: ${requestedText(deploy)}.`);
        if (deploy.status === 'approved') ctx.out.note(startsText(deploy));
        else sayHowToFollow(ctx, deploy);
      },
    },
  ],
};

export const refuseGroup: Group = {
  name: 'refuse',
  summary: "Refuse someone else's deploy request, saying why; nothing is deployed",
  single: true,
  commands: [
    {
      name: 'refuse',
      summary: "Refuse someone else's deploy request, saying why; nothing is deployed",
      usage: 'ID --reason TEXT [--json]',
      args: [1, 1],
      options: REASON_OPTION,
      notes: ['--reason is required: the requester reads why.'],
      hints: decisionHints,
      async run(ctx) {
        const reason = ctx.str('reason');
        if (reason === undefined) {
          throw usageError(
            '--reason TEXT is required (the requester reads why); usage: berth refuse ID --reason TEXT',
          );
        }
        const body = await ctx.client().refuseRequest(ctx.args[0]!, requestText('reason', reason));
        if (ctx.json) return ctx.out.json(body);
        ctx.out.line(`Refused deploy request ${body.deploy.id} (${requestedText(body.deploy)}).`);
      },
    },
  ],
};

/** When an approved request whose window has not opened will start. */
function startsText(deploy: Deploy): string {
  return `It starts when its window opens (${windowText(deploy.request)}); 'berth requests show ${deploy.id}' shows it.`;
}
