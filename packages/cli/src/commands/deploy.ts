// berth deploy [DIR] | --ref REF [--repo hosted|external] | --image NAME:TAG: pack the directory and
// upload it (or name a git ref or an image), follow the deploy to its end; with --request, file it
// as a deploy request instead. readPackage is how every command that uploads a
// package (`berth requests create --package` too) gets its bytes.
import fs from 'node:fs';
import path from 'node:path';
import type { BerthClient, DeployResponse } from '@berth/sdk';
import type { CommandContext, Group, OptionSpecs } from '../command.ts';
import { usageError } from '../errors.ts';
import { followDeploy } from '../follow-deploy.ts';
import { formatSize } from '../output.ts';
import { packDirectory } from '../pack.ts';
import { fileRequest, REQUEST_NOTE, REQUEST_SWITCH, requestHint, switchedTerms } from './file-request.ts';
import { invocationKey } from './shared.ts';
import { SOURCE_OPTIONS, type SourceWhat, sourceOption } from './source-option.ts';
import { appUrl, TARGET_NOTE, TARGET_OPTIONS, type Target, target } from './target.ts';

export const FOLLOW_OPTION: OptionSpecs = {
  'no-wait': {
    type: 'boolean',
    help: "Return once the server accepted it (with --json: the deploy, its id included); don't follow the log",
  },
  'no-follow': { type: 'boolean', help: 'The same as --no-wait' },
};

export const FOLLOW_NOTE =
  "Ctrl-C stops following only: the deploy goes on ('berth deploys cancel ID' stops it). Exits 1 when it fails.";

const USAGE =
  'berth deploy [DIR | --ref REF [--repo hosted|external] | --image NAME:TAG] --app CODE [--env stag|prod] [--description TEXT] [--no-wait] [--request [--note TEXT] [--at TIME] [--until TIME]]';

/**
 * The package to upload from `source`: a directory packed as `berth deploy` packs it or, where
 * `files` allows, a .tar.gz (or .tar) file sent as it is. Says on stderr what it uploads.
 */
export async function readPackage(
  ctx: CommandContext,
  source: string,
  usage: string,
  options: { files?: boolean } = {},
): Promise<Uint8Array> {
  const stat = fs.statSync(source, { throwIfNoEntry: false });
  if (options.files && stat?.isFile()) {
    const data = new Uint8Array(fs.readFileSync(source));
    ctx.out.note(`Read ${source} (${formatSize(data.byteLength)}); uploading.`);
    return data;
  }
  if (!stat?.isDirectory()) {
    throw usageError(`${source} is not a directory${options.files ? ' or a file' : ''}; usage: ${usage}`);
  }
  const pack = await packDirectory(path.resolve(source));
  const files = `${pack.fileCount} file${pack.fileCount === 1 ? '' : 's'}`;
  ctx.out.note(`Packed ${files} from ${source} (${formatSize(pack.data.byteLength)}); uploading.`);
  return pack.data;
}

export const deployGroup: Group = {
  name: 'deploy',
  summary: 'Deploy a directory (packed and uploaded), a git ref or an image (a new release)',
  single: true,
  commands: [
    {
      name: 'deploy',
      summary:
        'Pack DIR (default: the current directory) and upload it, or deploy a git ref or an image; follow the deploy to its end',
      usage:
        '[DIR | --ref REF [--repo hosted|external] | --image NAME:TAG] --app CODE [--env stag|prod] [--description TEXT] [--no-wait] [--request [--note TEXT] [--at TIME] [--until TIME]] [--json]',
      args: [0, 1],
      options: {
        ...TARGET_OPTIONS,
        description: { type: 'string', short: 'd', value: 'TEXT', help: 'What this deploy changes' },
        ...SOURCE_OPTIONS,
        ...FOLLOW_OPTION,
        ...REQUEST_SWITCH,
      },
      notes: [
        TARGET_NOTE,
        'Files matched by .gitignore files (root and nested) and by a root .berthignore are left out,',
        'and so are .git/ and .berth/. Symlinks pointing outside DIR are refused.',
        '--ref deploys a branch, tag or commit of the hosted repository (what git push stores) or, with',
        "--repo external, of the one 'berth sources set --repo-url' names (the default repository is",
        "'berth sources show's). --image deploys a prebuilt image (Docker runtime only). A source built",
        'before (same commit, same image, same package bytes) is not built again.',
        FOLLOW_NOTE,
        'Exits 0 when the deploy succeeded, 1 when it failed or was cancelled.',
        'Where deploys need approval (prod, by default), --request files the package as a deploy request',
        'for an approver instead (--description is its note unless --note is given).',
        REQUEST_NOTE,
      ],
      hints: (ctx) => ({
        APPROVAL_REQUIRED: requestHint(`berth deploy ${deployCommand(ctx)}`),
      }),
      async run(ctx) {
        const where = target(ctx, USAGE);
        const source = sourceOption(ctx, ctx.args.length > 0);
        const description = ctx.str('description');
        const terms = switchedTerms(ctx, { defaultNote: description });
        const dir = ctx.args[0] ?? '.';
        if (!source && !fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
          throw usageError(`${dir} is not a directory; usage: ${USAGE}`);
        }
        const client = ctx.client();
        const what = source ?? { kind: 'package' as const, data: await readPackage(ctx, dir, USAGE) };
        if (terms) {
          await fileRequest(ctx, client, where, what, terms);
          return;
        }
        const options = { ...(description !== undefined && { description }) };
        const { deploy } = await startDeploy(client, where, what, options);
        await followDeploy(
          ctx,
          client,
          deploy,
          async (d) => `Deployed v${d.release} to ${await appUrl(client, where)}`,
        );
      },
    },
  ],
};

/** Starts the build deploy of a package's bytes, a git ref or an image. */
function startDeploy(
  client: BerthClient,
  where: Target,
  what: SourceWhat | { kind: 'package'; data: Uint8Array },
  options: { description?: string },
): Promise<DeployResponse> {
  const key = invocationKey();
  switch (what.kind) {
    case 'package':
      return client.uploadDeploy(where.app, where.env, what.data, { ...options, ...key });
    case 'git':
      return client.deployGit(
        where.app,
        where.env,
        { ref: what.ref, ...(what.repository && { repository: what.repository }), ...options },
        key,
      );
    case 'image':
      return client.deployImage(where.app, where.env, { image: what.image, ...options }, key);
  }
}

/** `DIR --app CODE --env ENV` (or `--ref REF …`) of the command as it was given, for a hint. */
function deployCommand(ctx: CommandContext): string {
  const where = target(ctx, USAGE);
  const source = sourceOption(ctx, ctx.args.length > 0);
  const what =
    source?.kind === 'git'
      ? `--ref ${source.ref}${source.repository ? ` --repo ${source.repository}` : ''}`
      : source?.kind === 'image'
        ? `--image ${source.image}`
        : (ctx.args[0] ?? '.');
  return `${what} --app ${where.app} --env ${where.env}`;
}
