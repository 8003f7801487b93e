// berth deploy [DIR]: pack the directory, upload it, follow the deploy to its end.
import fs from 'node:fs';
import path from 'node:path';
import type { Group, OptionSpecs } from '../command.ts';
import { usageError } from '../errors.ts';
import { followDeploy } from '../follow-deploy.ts';
import { formatSize, packDirectory } from '../pack.ts';
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

const USAGE = 'berth deploy [DIR] --app CODE [--env stag|prod] [--description TEXT] [--no-wait]';

export const deployGroup: Group = {
  name: 'deploy',
  summary: 'Pack a directory, upload it and deploy it (a new release)',
  single: true,
  commands: [
    {
      name: 'deploy',
      summary: 'Pack DIR (default: the current directory), upload it and follow the deploy to its end',
      usage: '[DIR] --app CODE [--env stag|prod] [--description TEXT] [--no-wait] [--json]',
      args: [0, 1],
      options: {
        ...TARGET_OPTIONS,
        description: { type: 'string', short: 'd', value: 'TEXT', help: 'What this deploy changes' },
        ...FOLLOW_OPTION,
      },
      notes: [
        TARGET_NOTE,
        'Files matched by .gitignore files (root and nested) and by a root .berthignore are left out,',
        'and so are .git/ and .berth/. Symlinks pointing outside DIR are refused.',
        FOLLOW_NOTE,
        'Exits 0 when the deploy succeeded, 1 when it failed or was cancelled.',
      ],
      async run(ctx) {
        const where = target(ctx, USAGE);
        const dir = ctx.args[0] ?? '.';
        const description = ctx.str('description');
        if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
          throw usageError(`${dir} is not a directory; usage: ${USAGE}`);
        }
        const client = ctx.client();
        const pack = await packDirectory(path.resolve(dir));
        const files = `${pack.fileCount} file${pack.fileCount === 1 ? '' : 's'}`;
        const packed = `Packed ${files} from ${dir} (${formatSize(pack.data.byteLength)}); uploading.`;
        ctx.out.note(packed);
        const { deploy } = await client.uploadDeploy(where.app, where.env, pack.data, {
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
