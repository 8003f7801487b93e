// berth builds   (an app's builds: what each built, where its artifact runs, how often it was reused)
import type { Group } from '../command.ts';
import { time } from '../output.ts';
import { originText } from './origin-view.ts';
import { LIMIT_OPTION, listItems } from './shared.ts';
import { APP_OPTION, appCode } from './target.ts';

const USAGE = 'berth builds --app CODE [--limit N] [--json]';

export const buildsGroup: Group = {
  name: 'builds',
  summary: "List an app's builds: their source, release, and how often their artifact was reused",
  single: true,
  commands: [
    {
      name: 'builds',
      summary: "List an app's builds, newest first",
      usage: '--app CODE [--limit N] [--json]',
      args: [0, 0],
      options: { ...APP_OPTION, ...LIMIT_OPTION },
      notes: [
        'A deploy of a source built before (the same package bytes, commit or image) reuses its build:',
        'REUSED counts those deploys. ENV is where the build ran; RELEASE is the release it made there.',
      ],
      async run(ctx) {
        const app = appCode(ctx, USAGE);
        const client = ctx.client();
        const body = { builds: await listItems(ctx, 'builds', (p) => client.listBuilds(app, p)) };
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['ID', 'STATUS', 'SOURCE', 'ENV', 'RELEASE', 'REUSED', 'CREATED', 'DEPLOY'],
          body.builds.map((b) => [
            b.id,
            b.status,
            originText(b.origin),
            b.env,
            b.release ? `v${b.release}` : '',
            b.reused,
            time(b.createdAt),
            b.deployId,
          ]),
          `No builds of ${app} yet; 'berth deploy' or a git push makes the first.`,
        );
      },
    },
  ],
};
