// berth scale | ps | restart | stop | start   (the running processes of an environment)
import { type BerthClient, type Deploy, SCALE_COUNT_MAX } from '@berth/sdk';
import type { Group } from '../command.ts';
import { followDeploy } from '../follow-deploy.ts';
import { time } from '../output.ts';
import { formationArgs, PROCESS_TYPE_RULE } from '../validate.ts';
import { FOLLOW_NOTE, FOLLOW_OPTION } from './deploy.ts';
import { formation } from './releases.ts';
import { invocationKey, LIMIT_OPTION, listItems } from './shared.ts';
import { appUrl, TARGET_NOTE, TARGET_OPTIONS, type Target, target } from './target.ts';

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
      usage: 'TYPE=COUNT... --app CODE [--env stag|prod] [--no-wait] [--json]',
      args: [1, 20],
      options: { ...TARGET_OPTIONS, ...FOLLOW_OPTION },
      notes: [
        TARGET_NOTE,
        `TYPE: ${PROCESS_TYPE_RULE}; COUNT: a whole number from 0 to ${SCALE_COUNT_MAX} (0 stops a type).`,
        'Example: berth scale web=2 worker=1 --app hello',
        FOLLOW_NOTE,
      ],
      async run(ctx) {
        const where = target(ctx, SCALE_USAGE);
        const processes = formationArgs(ctx.args);
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
        usage: '--app CODE [--env stag|prod] [--no-wait] [--json]',
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
