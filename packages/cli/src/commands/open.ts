// berth open: prints where an environment is served (it launches no browser), as the server
// reports it: on the apps origin (BERTH_APPS_URL), not the server's own.
import type { Group } from '../command.ts';
import { appUrl, TARGET_NOTE, TARGET_OPTIONS, target } from './target.ts';

export const openGroup: Group = {
  name: 'open',
  summary: 'Print the URL an environment is served at',
  single: true,
  commands: [
    {
      name: 'open',
      summary: 'Print the URL an environment is served at: /t/CODE/ for stag, /o/CODE/ for prod',
      usage: '--app CODE [--env stag|prod] [--json]',
      args: [0, 0],
      options: TARGET_OPTIONS,
      notes: [TARGET_NOTE, 'It prints the URL only; open it in a browser yourself.'],
      async run(ctx) {
        const where = target(ctx, 'berth open --app CODE [--env stag|prod]');
        const url = await appUrl(ctx.client(), where);
        if (ctx.json) return ctx.out.json({ url });
        ctx.out.line(url);
      },
    },
  ],
};
