// Following a deploy from the terminal: prints its log as it grows (polling `…/logs?after=`) until
// the deploy ends, then resolves to it when it succeeded and fails with its error otherwise. Ctrl-C
// stops the following only; the deploy goes on on the server. Every command that starts deploys
// (deploy, rollback, promote, scale, restart, stop, start, config set/unset, apps secret --rotate)
// follows them here, and --no-wait (or --no-follow) returns at once.
import type { BerthClient, Deploy } from '@berth/sdk';
import type { CommandContext } from './command.ts';
import { CliError, EXIT } from './errors.ts';
import { safeLogLine } from './output.ts';

const FINISHED = new Set<string>(['succeeded', 'failed', 'cancelled']);
const POLL_MS = 1000;

export interface FollowOptions {
  /** What --json prints (default `{ deploy }`), given the deploy: finished, or as accepted with --no-wait. */
  json?: (deploy: Deploy) => unknown;
  /** Said after the error when the deploy failed or was cancelled (what it leaves behind, what to do). */
  advice?: (finished: Deploy) => string;
}

/** --no-wait (or its older name --no-follow): return once the server accepted the deploy. */
export function noWait(ctx: CommandContext): boolean {
  return ctx.flag('no-wait') || ctx.flag('no-follow');
}

/**
 * Follows `deploy` to its end (unless --no-wait was given: then it only says how to follow) and
 * prints `done(finished)` when it succeeded. With --json the log goes to stderr and the finished
 * deploy, as `{ deploy }` (or `options.json`), to stdout.
 */
export async function followDeploy(
  ctx: CommandContext,
  client: BerthClient,
  deploy: Deploy,
  done: (finished: Deploy) => string | Promise<string>,
  options: FollowOptions = {},
): Promise<void> {
  const json = options.json ?? ((d: Deploy) => ({ deploy: d }));
  if (noWait(ctx)) {
    if (ctx.json) return ctx.out.json(json(deploy));
    sayHowToFollow(ctx, deploy);
    return;
  }
  const printed: string[] = [];
  const finished = await watchDeploy(ctx, client, deploy, printed);
  if (ctx.json) ctx.out.json(json(finished));
  if (finished.status === 'succeeded') {
    if (!ctx.json) ctx.out.line(await done(finished));
    return;
  }
  throw deployFailure(finished, options.advice?.(finished), printed);
}

/** Tells where a deploy that is not followed can be followed and cancelled. */
export function sayHowToFollow(ctx: CommandContext, deploy: Deploy): void {
  const id = deploy.id;
  ctx.out.line(`Deploy ${id} ${deploy.status} (${deploy.kind} of ${deploy.app}/${deploy.env}).`);
  ctx.out.line(`Follow it with 'berth deploys logs ${id} -f'; cancel it with 'berth deploys cancel ${id}'.`);
}

/**
 * Prints the deploy's log (to stderr with --json) until it has finished; resolves to it, whatever
 * its end. The lines printed are added to `printed` when given.
 */
export async function watchDeploy(
  ctx: CommandContext,
  client: BerthClient,
  deploy: Deploy,
  printed?: string[],
): Promise<Deploy> {
  const id = deploy.id;
  ctx.out.note(
    `Deploy ${id} (${deploy.kind} of ${deploy.app}/${deploy.env}) ${deploy.status}; following its log.`,
  );
  const show = ctx.json ? (text: string) => ctx.out.note(text) : (text: string) => ctx.out.line(text);
  const print = (text: string) => {
    printed?.push(text);
    show(text);
  };
  return untilInterrupted(id, () => followLog(client, id, print));
}

/**
 * The error a failed or cancelled deploy ends the command with (exit 1). The error is said once:
 * when the log printed above (`printed`) holds it, the message points there instead.
 */
export function deployFailure(finished: Deploy, advice?: string, printed: readonly string[] = []): CliError {
  const id = finished.id;
  const error = finished.error?.message || 'no reason given';
  const shown = Boolean(finished.error) && printed.some((line) => line.includes(error));
  return new CliError(
    `deploy ${id} ${finished.status}${shown ? ' (see its log above)' : `: ${error}`}${advice ? `. ${advice}` : ''}`,
    // A failed deploy ends with the server's code for why (INSTANCE_CRASHED, BUILD_FAILED, …).
    finished.status === 'cancelled' ? 'DEPLOY_CANCELLED' : (finished.error?.code ?? 'DEPLOY_FAILED'),
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
