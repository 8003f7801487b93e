// Following a deploy from the terminal: prints its log as it grows (polling `…/logs?after=`) until
// the deploy ends, then resolves to it when it succeeded and fails with its error otherwise. Ctrl-C
// stops the following only; the deploy goes on on the server.
import type { BerthClient, Deploy } from '@berth/sdk';
import type { CommandContext } from './command.ts';
import { CliError, EXIT } from './errors.ts';
import { safeLogLine } from './output.ts';

const FINISHED = new Set<string>(['succeeded', 'failed', 'cancelled']);
const POLL_MS = 1000;

/**
 * Follows `deploy` to its end (unless --no-follow was given: then it only says how to follow) and
 * prints `done(finished)` when it succeeded. With --json the log goes to stderr and the finished
 * deploy, as `{ deploy }`, to stdout.
 */
export async function followDeploy(
  ctx: CommandContext,
  client: BerthClient,
  deploy: Deploy,
  done: (finished: Deploy) => string | Promise<string>,
): Promise<void> {
  const id = deploy.id;
  if (ctx.flag('no-follow')) {
    if (ctx.json) return ctx.out.json({ deploy });
    ctx.out.line(`Deploy ${id} ${deploy.status} (${deploy.kind} of ${deploy.app}/${deploy.env}).`);
    ctx.out.line(
      `Follow it with 'berth deploys logs ${id} -f'; cancel it with 'berth deploys cancel ${id}'.`,
    );
    return;
  }
  ctx.out.note(
    `Deploy ${id} (${deploy.kind} of ${deploy.app}/${deploy.env}) ${deploy.status}; following its log.`,
  );
  const show = ctx.json ? (text: string) => ctx.out.note(text) : (text: string) => ctx.out.line(text);
  const printed: string[] = [];
  const print = (text: string) => {
    printed.push(text);
    show(text);
  };
  const finished = await untilInterrupted(id, () => followLog(client, id, print));
  if (ctx.json) ctx.out.json({ deploy: finished });
  if (finished.status === 'succeeded') {
    if (!ctx.json) ctx.out.line(await done(finished));
    return;
  }
  // The error is said once: when the log printed above holds it, the last line points there.
  const error = finished.error || 'no reason given';
  const shown = finished.error && printed.some((line) => line.includes(finished.error!));
  throw new CliError(
    shown
      ? `deploy ${id} ${finished.status} (see its log above)`
      : `deploy ${id} ${finished.status}: ${error}`,
    finished.status === 'cancelled' ? 'DEPLOY_CANCELLED' : 'DEPLOY_FAILED',
    EXIT.api,
  );
}

/** Prints the deploy's log lines from the start until the deploy has finished; resolves to it. */
export async function followLog(
  client: BerthClient,
  id: string,
  print: (text: string) => void,
  options: { follow?: boolean } = {},
): Promise<Deploy> {
  const follow = options.follow ?? true;
  let after = 0;
  let finished: Deploy | undefined;
  for (;;) {
    const page = await client.deployLogs(id, { after });
    for (const line of page.lines) {
      print(`${line.level === 'info' ? '' : `[${line.level}] `}${safeLogLine(line.line)}`);
    }
    after = Math.max(after, page.nextAfter ?? 0, page.lines.at(-1)?.seq ?? 0);
    if (page.lines.length > 0) continue;
    if (finished) return finished;
    // Drain once more after seeing the deploy finished: lines may land just before the end.
    const current = (await client.getDeploy(id)).deploy;
    if (FINISHED.has(current.status) || !follow) finished = current;
    else await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Runs `work`; Ctrl-C ends the command at once with exit code 130, saying the deploy goes on. */
async function untilInterrupted<T>(id: string, work: () => Promise<T>): Promise<T> {
  let onSignal: () => void = () => {};
  const interrupted = new Promise<never>((_, reject) => {
    onSignal = () =>
      reject(
        new CliError(
          `stopped following; deploy ${id} goes on on the server (cancel it with 'berth deploys cancel ${id}')`,
          'INTERRUPTED',
          EXIT.interrupted,
        ),
      );
  });
  process.once('SIGINT', onSignal);
  try {
    return await Promise.race([work(), interrupted]);
  } finally {
    process.off('SIGINT', onSignal);
  }
}
