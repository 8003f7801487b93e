// berth scale | ps | restart | stop | start   (the running processes of an environment)
import type { BerthClient, Deploy } from '@berth/sdk';
import type { Group } from '../command.ts';
import { usageError } from '../errors.ts';
import { followDeploy } from '../follow-deploy.ts';
import { time } from '../output.ts';
import { FOLLOW_NOTE, FOLLOW_OPTION } from './deploy.ts';
import { formation } from './releases.ts';
import { invocationKey, LIMIT_OPTION, listItems } from './shared.ts';
import { appUrl, TARGET_NOTE, TARGET_OPTIONS, type Target, target } from './target.ts';

const PROCESS_TYPE = /^[a-z][a-z0-9_-]{0,29}$/;
const SCALE_USAGE = 'berth scale TYPE=COUNT... --app CODE [--env stag|prod] [--no-wait]';
const PS_USAGE = 'berth ps --app CODE [--env stag|prod] [--json]';

export const scaleGroup: Group = {
  name: 'scale',
  summary: 'Set how many instances of each process type run',
  single: true,
  commands: [
    {
      name: 'scale',
      summary: 'Set how many instances of each process type run (types not named keep their count)',
      usage: 'TYPE=COUNT... --app CODE [--env stag|prod] [--no-wait]',
      args: [1, 20],
      options: { ...TARGET_OPTIONS, ...FOLLOW_OPTION },
      notes: [TARGET_NOTE, 'Example: berth scale web=2 worker=1 --app hello (0 stops a type).', FOLLOW_NOTE],
      async run(ctx) {
        const where = target(ctx, SCALE_USAGE);
        const processes = parseFormation(ctx.args);
        const client = ctx.client();
        const { deploy } = await client.scale(where.app, where.env, { processes }, invocationKey());
        await followDeploy(
          ctx,
          client,
          deploy,
          () => `Scaled ${where.app}/${where.env}: ${formation(processes)}`,
        );
      },
    },
  ],
};

export const psGroup: Group = {
  name: 'ps',
  summary: "List an environment's running instances",
  single: true,
  commands: [
    {
      name: 'ps',
      summary: "List an environment's instances: process type, release, state, health",
      usage: '--app CODE [--env stag|prod] [--limit N] [--json]',
      args: [0, 0],
      options: { ...TARGET_OPTIONS, ...LIMIT_OPTION },
      notes: [TARGET_NOTE],
      async run(ctx) {
        const where = target(ctx, PS_USAGE);
        const client = ctx.client();
        const body = {
          instances: await listItems(ctx, 'instances', (p) => client.listInstances(where.app, where.env, p)),
        };
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['ID', 'PROCESS', 'RELEASE', 'STATE', 'HEALTHY', 'RESTARTS', 'ADDRESS', 'STARTED'],
          body.instances.map((i) => [
            i.id,
            i.processType,
            `v${i.release}`,
            i.state,
            i.healthy ? 'yes' : 'no',
            i.restarts,
            i.address,
            time(i.startedAt),
          ]),
          `No instances run in ${where.app}/${where.env}.`,
        );
      },
    },
  ],
};

type Action = 'restart' | 'stop' | 'start';

function actionGroup(
  name: Action,
  summary: string,
  call: (client: BerthClient, where: Target) => Promise<{ deploy: Deploy }>,
  done: (where: Target, deploy: Deploy, url: string) => string,
): Group {
  const usage = `berth ${name} --app CODE [--env stag|prod] [--no-wait]`;
  return {
    name,
    summary,
    single: true,
    commands: [
      {
        name,
        summary: `${summary}, and follow it to its end`,
        usage: '--app CODE [--env stag|prod] [--no-wait]',
        args: [0, 0],
        options: { ...TARGET_OPTIONS, ...FOLLOW_OPTION },
        notes: [TARGET_NOTE, FOLLOW_NOTE],
        async run(ctx) {
          const where = target(ctx, usage);
          const client = ctx.client();
          const { deploy } = await call(client, where);
          await followDeploy(ctx, client, deploy, async (d) => done(where, d, await appUrl(client, where)));
        },
      },
    ],
  };
}

export const restartGroup = actionGroup(
  'restart',
  "Restart every instance of an environment's current release, one by one",
  (client, { app, env }) => client.restartEnv(app, env),
  ({ app, env }, d) => `Restarted ${app}/${env}${d.release ? ` (v${d.release})` : ''}.`,
);

export const stopGroup = actionGroup(
  'stop',
  "Stop an environment's instances (its releases and formation stay)",
  (client, { app, env }) => client.stopEnv(app, env),
  ({ app, env }) => `Stopped ${app}/${env}; 'berth start' runs it again.`,
);

export const startGroup = actionGroup(
  'start',
  'Start a stopped environment again with its current release',
  (client, { app, env }) => client.startEnv(app, env),
  ({ app, env }, d, url) => `Started ${app}/${env}${d.release ? ` (v${d.release})` : ''} at ${url}`,
);

/** `web=2 worker=1` → `{ web: 2, worker: 1 }`. */
export function parseFormation(args: string[]): Record<string, number> {
  const processes: Record<string, number> = {};
  for (const arg of args) {
    const match = /^([^=]+)=(\d{1,6})$/.exec(arg);
    if (!match) throw usageError(`'${arg}' is not TYPE=COUNT (like web=2)`);
    const [, name, count] = match as unknown as [string, string, string];
    if (!PROCESS_TYPE.test(name)) {
      throw usageError(`'${name}' is not a process type (a lowercase letter, then a-z 0-9 _ -)`);
    }
    if (Object.hasOwn(processes, name)) throw usageError(`process type '${name}' given twice`);
    processes[name] = Number(count);
  }
  return processes;
}
