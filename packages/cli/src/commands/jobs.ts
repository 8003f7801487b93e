// berth jobs list | info | logs | cancel
import { JOB_STATUSES, type Job, PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX } from '@berth/sdk';
import type { Group } from '../command.ts';
import { logText, pause } from '../follow-deploy.ts';
import { errorText, time } from '../output.ts';
import { interrupted } from '../terminal.ts';
import { appCode, jobStatus } from '../validate.ts';
import { positiveInt } from './shared.ts';

const FINISHED = new Set<string>(['succeeded', 'failed', 'cancelled']);
const FOLLOW_POLL_MS = 1000;

export const jobsGroup: Group = {
  name: 'jobs',
  summary: 'Watch and cancel background jobs (builds, deploys, …)',
  commands: [
    {
      name: 'list',
      summary: 'List jobs, newest first',
      usage: '[--status STATUS] [--kind KIND] [--app CODE] [--limit N] [--cursor C] [--json]',
      args: [0, 0],
      options: {
        status: {
          type: 'string',
          value: 'STATUS',
          help: `Only jobs in this status: ${JOB_STATUSES.join(', ')}`,
        },
        kind: { type: 'string', value: 'KIND', help: 'Only jobs of this kind' },
        app: { type: 'string', short: 'a', value: 'CODE', help: 'Only jobs of this app' },
        limit: {
          type: 'string',
          value: 'N',
          help: `At most N jobs (server default ${PAGE_LIMIT_DEFAULT}, max ${PAGE_LIMIT_MAX})`,
        },
        cursor: { type: 'string', value: 'C', help: 'Continue after a previous page' },
      },
      async run(ctx) {
        const status = ctx.str('status');
        const app = ctx.str('app');
        const query = {
          status: status === undefined ? undefined : jobStatus(status),
          kind: ctx.str('kind'),
          app: app === undefined ? undefined : appCode(app),
          limit: positiveInt(ctx, 'limit'),
          cursor: ctx.str('cursor'),
        };
        const body = await ctx.client().listJobs(query);
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['ID', 'KIND', 'APP', 'STATUS', 'ATTEMPTS', 'CREATED', 'FINISHED'],
          body.jobs.map((j) => [
            j.id,
            j.kind,
            j.appCode,
            j.status,
            `${j.attempts}/${j.maxAttempts}`,
            time(j.createdAt),
            time(j.finishedAt),
          ]),
          'No jobs.',
        );
        if (body.nextCursor)
          ctx.out.note(`More: berth jobs list --cursor ${body.nextCursor} (with the same filters)`);
      },
    },
    {
      name: 'info',
      summary: 'Show a job',
      usage: 'ID [--json]',
      args: [1, 1],
      async run(ctx) {
        const body = await ctx.client().getJob(ctx.args[0]!);
        if (ctx.json) return ctx.out.json(body);
        const job: Job = body.job;
        ctx.out.fields([
          ['ID', job.id],
          ['Kind', job.kind],
          ['App', job.appCode],
          ['Status', job.status],
          ['Attempts', `${job.attempts}/${job.maxAttempts}`],
          ['Created', time(job.createdAt)],
          ['Started', time(job.startedAt)],
          ['Finished', time(job.finishedAt)],
          ['Error', job.error && errorText(job.error)],
          [
            'Result',
            job.result === undefined || job.result === null ? undefined : JSON.stringify(job.result),
          ],
        ]);
      },
    },
    {
      name: 'logs',
      summary: "Print a job's log; with -f keep printing until the job ends",
      usage: 'ID [-f] [--json]',
      args: [1, 1],
      options: { follow: { type: 'boolean', short: 'f', help: 'Follow the log until the job has finished' } },
      notes: ['With --json each log line is printed as one JSON object per line.'],
      async run(ctx) {
        const client = ctx.client();
        const id = ctx.args[0]!;
        const follow = ctx.flag('follow');
        let after = 0;
        let finished = false;
        for (;;) {
          if (ctx.signal.aborted) throw interrupted();
          const page = await client.jobLogs(id, { after });
          for (const line of page.lines) {
            if (ctx.json) ctx.out.jsonLine(line);
            else ctx.out.log(logText(line));
          }
          const last = page.lines.at(-1);
          after = Math.max(after, page.nextAfter ?? 0, last?.seq ?? 0);
          if (page.lines.length > 0) continue;
          if (!follow || finished) return;
          // Drain once more after seeing the job finished: lines may land just before the end.
          finished = FINISHED.has((await client.getJob(id)).job.status);
          if (!finished) await pause(FOLLOW_POLL_MS, ctx.signal);
        }
      },
    },
    {
      name: 'cancel',
      summary: 'Cancel a queued or running job',
      usage: 'ID [--json]',
      args: [1, 1],
      async run(ctx) {
        const body = await ctx.client().cancelJob(ctx.args[0]!);
        if (ctx.json) return ctx.out.json(body);
        const done = body.job.status === 'cancelled';
        ctx.out.line(`Job ${body.job.id}: ${done ? 'cancelled' : 'cancellation requested'}.`);
      },
    },
  ],
};
