// berth deploy [DIR]: pack the directory, upload it, follow the deploy to its end; with --request,
// file the package as a deploy request instead. readPackage is how every command that uploads a
// package (`berth requests create --package` too) gets its bytes.
import fs from 'node:fs';
import path from 'node:path';
import type { CommandContext, Group, OptionSpecs } from '../command.ts';
import { usageError } from '../errors.ts';
import { followDeploy } from '../follow-deploy.ts';
import { formatSize, packDirectory } from '../pack.ts';
import { fileRequest, REQUEST_NOTE, REQUEST_SWITCH, requestHint, switchedTerms } from './file-request.ts';
import { invocationKey } from './shared.ts';
import { appUrl, TARGET_NOTE, TARGET_OPTIONS, target } from './target.ts';

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
  'berth deploy [DIR] --app CODE [--env stag|prod] [--description TEXT] [--no-wait] [--request [--note TEXT] [--at TIME] [--until TIME]]';

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
  summary: 'Pack a directory, upload it and deploy it (a new release)',
  single: true,
  commands: [
    {
      name: 'deploy',
      summary: 'Pack DIR (default: the current directory), upload it and follow the deploy to its end',
      usage:
        '[DIR] --app CODE [--env stag|prod] [--description TEXT] [--no-wait] [--request [--note TEXT] [--at TIME] [--until TIME]] [--json]',
      args: [0, 1],
      options: {
        ...TARGET_OPTIONS,
        description: { type: 'string', short: 'd', value: 'TEXT', help: 'What this deploy changes' },
        ...FOLLOW_OPTION,
        ...REQUEST_SWITCH,
      },
      notes: [
        TARGET_NOTE,
        'Files matched by .gitignore files (root and nested) and by a root .berthignore are left out,',
        'and so are .git/ and .berth/. Symlinks pointing outside DIR are refused.',
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
        const dir = ctx.args[0] ?? '.';
        const description = ctx.str('description');
        const terms = switchedTerms(ctx, { defaultNote: description });
        if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
          throw usageError(`${dir} is not a directory; usage: ${USAGE}`);
        }
        const client = ctx.client();
        const data = await readPackage(ctx, dir, USAGE);
        if (terms) {
          await fileRequest(ctx, client, where, { kind: 'package', data }, terms);
          return;
        }
        const { deploy } = await client.uploadDeploy(where.app, where.env, data, {
          ...(description !== undefined && { description }),
          ...invocationKey(),
        });
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

/** `DIR --app CODE --env ENV` of the command as it was given, for a hint. */
function deployCommand(ctx: CommandContext): string {
  const where = target(ctx, USAGE);
  return `${ctx.args[0] ?? '.'} --app ${where.app} --env ${where.env}`;
}
