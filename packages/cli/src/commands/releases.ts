// berth releases | rollback [VERSION] | promote   (rollback and promote file a deploy request instead
// with --request; rollback --emergency acts at once where approval is needed, saying why)
import type { Group } from '../command.ts';
import { usageError } from '../errors.ts';
import { followDeploy } from '../follow-deploy.ts';
import { noteText, time, truncate } from '../output.ts';
import { FOLLOW_NOTE, FOLLOW_OPTION } from './deploy.ts';
import {
  fileRequest,
  REQUEST_NOTE,
  REQUEST_SWITCH,
  requestHint,
  requestText,
  switchedTerms,
} from './file-request.ts';
import { originText } from './origin-view.ts';
import { invocationKey, LIMIT_OPTION, listItems } from './shared.ts';
import { APP_OPTION, appCode, appUrl, TARGET_NOTE, TARGET_OPTIONS, target } from './target.ts';

const RELEASES_USAGE = 'berth releases --app CODE [--env stag|prod] [--json]';
const ROLLBACK_USAGE =
  'berth rollback [VERSION] --app CODE [--env stag|prod] [--no-wait] [--emergency REASON | --request [--note TEXT] [--at TIME] [--until TIME]]';
const PROMOTE_USAGE =
  'berth promote --app CODE [--no-wait] [--request [--note TEXT] [--at TIME] [--until TIME]]';

export const releasesGroup: Group = {
  name: 'releases',
  summary: "List an environment's releases (the current one marked *)",
  single: true,
  commands: [
    {
      name: 'releases',
      summary: "List an environment's releases, newest first; * marks the one running",
      usage: '--app CODE [--env stag|prod] [--limit N] [--json]',
      args: [0, 0],
      options: { ...TARGET_OPTIONS, ...LIMIT_OPTION },
      notes: [TARGET_NOTE],
      async run(ctx) {
        const where = target(ctx, RELEASES_USAGE);
        const client = ctx.client();
        const body = {
          releases: await listItems(ctx, 'releases', (p) => client.listReleases(where.app, where.env, p)),
        };
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['VERSION', 'STATUS', 'SOURCE', 'PROCESSES', 'CREATED', 'BY', 'DESCRIPTION'],
          body.releases.map((r) => [
            `${r.current ? '*' : ' '}v${r.version}`,
            r.status,
            originText(r.origin) || r.source,
            formation(r.processes),
            time(r.createdAt),
            r.createdBy,
            truncate(releaseNote(r), 50),
          ]),
          `No releases in ${where.app}/${where.env} yet; 'berth deploy' makes the first.`,
        );
      },
    },
  ],
};

export const rollbackGroup: Group = {
  name: 'rollback',
  summary: 'Deploy an earlier release again',
  single: true,
  commands: [
    {
      name: 'rollback',
      summary: 'Deploy release VERSION again (default: the one before the current) and follow it',
      usage:
        '[VERSION] --app CODE [--env stag|prod] [--no-wait] [--emergency REASON | --request [--note TEXT] [--at TIME] [--until TIME]] [--json]',
      args: [0, 1],
      options: {
        ...TARGET_OPTIONS,
        ...FOLLOW_OPTION,
        emergency: {
          type: 'string',
          value: 'REASON',
          help: 'Operators and admins: roll back at once where rollbacks need approval, saying why (audited)',
        },
        ...REQUEST_SWITCH,
      },
      notes: [
        TARGET_NOTE,
        "VERSION is a release number as 'berth releases' shows it: 3 or v3.",
        FOLLOW_NOTE,
        'Where rollbacks need approval (prod, by default), --request files a deploy request for an approver',
        'instead; an operator or admin may roll back at once with --emergency REASON.',
        REQUEST_NOTE,
      ],
      hints: (ctx) => {
        const { app, env } = target(ctx, ROLLBACK_USAGE);
        const command = `berth rollback ${ctx.args[0] ? `${ctx.args[0]} ` : ''}--app ${app} --env ${env}`;
        return {
          APPROVAL_REQUIRED: `${requestHint(command)}; operators and admins may roll back at once with --emergency REASON`,
        };
      },
      async run(ctx) {
        const where = target(ctx, ROLLBACK_USAGE);
        const raw = ctx.args[0];
        const version = raw === undefined ? undefined : releaseVersion(raw);
        const emergency = ctx.str('emergency');
        if (emergency !== undefined && ctx.flag('request')) {
          throw usageError('--emergency rolls back at once, --request asks an approver: give one of them');
        }
        const emergencyReason = emergency === undefined ? undefined : requestText('emergency', emergency);
        const terms = switchedTerms(ctx);
        const client = ctx.client();
        if (terms) {
          await fileRequest(ctx, client, where, { kind: 'rollback', version }, terms);
          return;
        }
        const { deploy } = await client.rollback(
          where.app,
          where.env,
          {
            ...(version !== undefined && { version }),
            ...(emergencyReason !== undefined && { emergencyReason }),
          },
          invocationKey(),
        );
        await followDeploy(
          ctx,
          client,
          deploy,
          async (d) =>
            `Rolled back ${where.app}/${where.env}: v${d.release} runs at ${await appUrl(client, where)}`,
        );
      },
    },
  ],
};

export const promoteGroup: Group = {
  name: 'promote',
  summary: "Deploy stag's current release to prod",
  single: true,
  commands: [
    {
      name: 'promote',
      summary: "Deploy stag's current release (the same build, prod's config) to prod and follow it",
      usage: '--app CODE [--no-wait] [--request [--note TEXT] [--at TIME] [--until TIME]] [--json]',
      args: [0, 0],
      options: { ...APP_OPTION, ...FOLLOW_OPTION, ...REQUEST_SWITCH },
      notes: [
        FOLLOW_NOTE,
        'Where prod deploys need approval (by default), --request files a deploy request for an approver',
        'instead: it promotes the release stag runs now.',
        REQUEST_NOTE,
      ],
      hints: (ctx) => ({
        APPROVAL_REQUIRED: requestHint(`berth promote --app ${appCode(ctx, PROMOTE_USAGE)}`),
      }),
      async run(ctx) {
        const app = appCode(ctx, PROMOTE_USAGE);
        const terms = switchedTerms(ctx);
        const client = ctx.client();
        if (terms) {
          await fileRequest(ctx, client, { app, env: 'prod' }, { kind: 'promote' }, terms);
          return;
        }
        const { deploy } = await client.promote(app, invocationKey());
        await followDeploy(
          ctx,
          client,
          deploy,
          async (d) =>
            `Promoted to prod: v${d.release} runs at ${await appUrl(client, { app, env: 'prod' })}`,
        );
      },
    },
  ],
};

/** `3` or `v3`. */
export function releaseVersion(raw: string): number {
  const match = /^v?(\d{1,9})$/.exec(raw);
  if (!match || Number(match[1]) < 1) throw usageError(`'${raw}' is not a release version (like 3 or v3)`);
  return Number(match[1]);
}

/** `web=2 worker=1`. */
export function formation(processes: Record<string, number> | undefined): string {
  return Object.entries(processes ?? {})
    .map(([name, count]) => `${name}=${count}`)
    .join(' ');
}

/** What a release is, in words: the platform's account of it (from its source) and the deployer's note. */
function releaseNote(r: { source: string; fromVersion?: number; description?: string }): string {
  const origin =
    r.source === 'rollback' && r.fromVersion
      ? `rollback to v${r.fromVersion}`
      : r.source === 'promote' && r.fromVersion
        ? `promoted from stag v${r.fromVersion}`
        : r.source === 'config'
          ? 'config change'
          : '';
  return noteText(origin, r.description);
}
