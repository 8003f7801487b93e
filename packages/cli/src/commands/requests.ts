// berth requests [list] | show | create | withdraw   (deploy requests: deploys that wait for an
// approver; `berth approve` and `berth refuse` decide them, see decide.ts)
import type { RequestListQuery } from '@berth/sdk';
import type { CommandContext, Group, OptionSpecs } from '../command.ts';
import { usageError } from '../errors.ts';
import { envName, appCode as validAppCode } from '../validate.ts';
import { readPackage } from './deploy.ts';
import {
  fileRequest,
  REQUEST_NOTE,
  REQUEST_OPTIONS,
  type RequestWhat,
  requestTerms,
  requestText,
} from './file-request.ts';
import { releaseVersion } from './releases.ts';
import { REQUEST_HEADERS, requestedText, requestFields, requestRow } from './request-view.ts';
import { LIMIT_OPTION, listItems } from './shared.ts';
import { SOURCE_OPTIONS, sourceOption } from './source-option.ts';
import { APP_OPTION, appCode } from './target.ts';

const CREATE_USAGE =
  'berth requests create --app CODE [--env stag|prod] (--promote [--version N] | --rollback [--version N] | --package [DIR|FILE] | --ref REF [--repo hosted|external] | --image NAME:TAG) [--note TEXT] [--at TIME] [--until TIME]';

/** The listing filters, one switch each; at most one of them. */
const FILTERS = {
  pending: 'Only requests not started yet (requested, or approved and waiting for their window)',
  'to-approve': 'Only requests waiting for a decision that you may decide',
  mine: 'Only the requests you filed',
} as const satisfies Record<string, string>;
type Filter = keyof typeof FILTERS;

const FILTER_OPTIONS: OptionSpecs = Object.fromEntries(
  Object.entries(FILTERS).map(([name, help]) => [name, { type: 'boolean', help }]),
);

const WHAT_OPTIONS: OptionSpecs = {
  promote: { type: 'boolean', help: "Ask to promote stag's release to prod" },
  rollback: { type: 'boolean', help: 'Ask to roll back to an earlier release' },
  package: {
    type: 'boolean',
    help: 'Ask to deploy DIR (packed like berth deploy packs it; default: .) or FILE (a .tar.gz) as it is',
  },
  ...SOURCE_OPTIONS,
  version: {
    type: 'string',
    value: 'N',
    help: "--promote: the stag release (default: stag's current); --rollback: the release (default: the one before the current)",
  },
};

export const requestsGroup: Group = {
  name: 'requests',
  summary: 'Deploy requests: list, show, file and withdraw deploys that wait for an approver',
  defaultCommand: 'list',
  notes: [
    "'berth requests' alone lists the requests you may see. 'berth approve ID' and 'berth refuse ID'",
    "decide one; 'berth deploy --request', 'berth promote --request' and 'berth rollback --request' file one.",
  ],
  commands: [
    {
      name: 'list',
      summary: 'List deploy requests you may see, newest first',
      usage: '[--app CODE] [--pending | --to-approve | --mine] [--limit N] [--json]',
      args: [0, 0],
      options: {
        app: { type: 'string', short: 'a', value: 'CODE', help: 'Only the requests of this app' },
        ...FILTER_OPTIONS,
        ...LIMIT_OPTION,
      },
      async run(ctx) {
        const filter = listFilter(ctx);
        const app = ctx.str('app');
        const query: RequestListQuery = {
          ...(filter !== undefined && { filter }),
          ...(app !== undefined && { app: validAppCode(app) }),
        };
        const client = ctx.client();
        const body = {
          deploys: await listItems(ctx, 'deploys', (page) => client.listRequests({ ...query, ...page })),
        };
        if (ctx.json) return ctx.out.json(body);
        const none = filter === undefined ? 'No deploy requests.' : `No deploy requests (--${filter}).`;
        ctx.out.table(REQUEST_HEADERS, body.deploys.map(requestRow), none);
      },
    },
    {
      name: 'show',
      summary: 'Show a deploy request: what it asks for, its window, who decided and why',
      usage: 'ID [--json]',
      args: [1, 1],
      async run(ctx) {
        const body = await ctx.client().getRequest(ctx.args[0]!);
        if (ctx.json) return ctx.out.json(body);
        ctx.out.fields(requestFields(body.deploy));
      },
    },
    {
      name: 'create',
      summary:
        'File a deploy request: a promotion, a rollback, a package, a git ref or an image, deployed once approved',
      usage:
        '--app CODE [--env stag|prod] (--promote [--version N] | --rollback [--version N] | --package [DIR|FILE] | --ref REF [--repo hosted|external] | --image NAME:TAG) [--note TEXT] [--at TIME] [--until TIME] [--json]',
      args: [0, 1],
      options: {
        ...APP_OPTION,
        env: {
          type: 'string',
          short: 'e',
          value: 'ENV',
          help: 'The environment: stag or prod (default: prod, where approval is needed by default)',
        },
        ...WHAT_OPTIONS,
        ...REQUEST_OPTIONS,
      },
      notes: [
        '--app is required (or the BERTH_APP environment variable). Unlike the other commands, --env',
        'defaults to prod here. A promotion always goes to prod. A --ref of the hosted repository is',
        'pinned to its commit when the request is filed: what the approver approves is what deploys.',
        REQUEST_NOTE,
      ],
      async run(ctx) {
        const app = appCode(ctx, CREATE_USAGE);
        const env = envName(ctx.str('env') ?? 'prod');
        const kind = requestKind(ctx);
        if (kind === 'promote' && env !== 'prod')
          throw usageError('a promotion goes to prod: leave out --env');
        if (kind !== 'package' && ctx.args.length > 0) {
          throw usageError(`unexpected argument '${ctx.args[0]}': DIR or FILE goes with --package`);
        }
        const source = sourceOption(ctx, false);
        const rawVersion = ctx.str('version');
        if ((kind === 'package' || source) && rawVersion !== undefined) {
          throw usageError('--version goes with --promote or --rollback');
        }
        const version = rawVersion === undefined ? undefined : releaseVersion(rawVersion);
        const terms = requestTerms(ctx);
        const client = ctx.client();
        const what: RequestWhat =
          kind === 'package'
            ? { kind, data: await readPackage(ctx, ctx.args[0] ?? '.', CREATE_USAGE, { files: true }) }
            : kind === 'promote' || kind === 'rollback'
              ? { kind, version }
              : source!;
        await fileRequest(ctx, client, { app, env }, what, terms);
      },
    },
    {
      name: 'withdraw',
      summary: 'Withdraw your own deploy request before it starts; nothing is deployed',
      usage: 'ID [--reason TEXT] [--json]',
      args: [1, 1],
      options: { reason: { type: 'string', value: 'TEXT', help: 'Why (the approvers read it)' } },
      async run(ctx) {
        const reason = ctx.str('reason');
        const body = await ctx
          .client()
          .withdrawRequest(ctx.args[0]!, reason === undefined ? undefined : requestText('reason', reason));
        if (ctx.json) return ctx.out.json(body);
        ctx.out.line(`Withdrew deploy request ${body.deploy.id} (${requestedText(body.deploy)}).`);
      },
    },
  ],
};

/** The one listing filter given, if any. */
function listFilter(ctx: CommandContext): Filter | undefined {
  const given = (Object.keys(FILTERS) as Filter[]).filter((name) => ctx.flag(name));
  if (given.length > 1)
    throw usageError(`give one of --pending, --to-approve and --mine, not ${given.length}`);
  return given[0];
}

/** What the request asks for: exactly one of --promote, --rollback, --package, --ref and --image. */
function requestKind(ctx: CommandContext): 'promote' | 'rollback' | 'package' | 'ref' | 'image' {
  const switches = (['promote', 'rollback', 'package'] as const).filter((name) => ctx.flag(name));
  const sources = (['ref', 'image'] as const).filter((name) => ctx.str(name) !== undefined);
  const kinds = [...switches, ...sources];
  if (kinds.length !== 1) {
    throw usageError(
      `give one of --promote, --rollback, --package, --ref and --image; usage: ${CREATE_USAGE}`,
    );
  }
  return kinds[0]!;
}
