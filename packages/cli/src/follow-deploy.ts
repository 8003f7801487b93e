// Following a deploy from the terminal: prints its log as it grows (polling `…/logs?after=`) until
// the deploy ends, then resolves to it when it succeeded and fails with its error otherwise. The log is
// progress, so it goes to stderr; stdout gets the result only. Ctrl-C stops the following only (exit
// 130); the deploy goes on on the server. Every command that starts deploys
// (deploy, rollback, promote, scale, restart, stop, start, config set/unset, apps secret --rotate)
// follows them here, and --no-wait (or --no-follow) returns at once.
import { type BerthClient, DEPLOY_FINAL_STATUSES, type Deploy, type DeployLogsResponse } from '@berth/sdk';
import type { CommandContext } from './command.ts';
import { CliError, EXIT } from './errors.ts';
import { interrupted } from './terminal.ts';

/** One line of a deploy's log (a job's lines have the same fields). */
export type LogLine = DeployLogsResponse['lines'][number];

// A deploy request refused or withdrawn while it is followed ends too (nothing more happens to it).
const FINISHED = new Set<string>(DEPLOY_FINAL_STATUSES);
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
 * prints `done(finished)` when it succeeded. The log goes to stderr; with --json the finished deploy,
 * as `{ deploy }` (or `options.json`), goes to stdout.
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

/** Says which deploy was started (stdout) and, as a hint, how to follow and cancel it (stderr). */
export function sayHowToFollow(ctx: CommandContext, deploy: Deploy): void {
  const id = deploy.id;
  ctx.out.line(`Deploy ${id} ${deploy.status} (${deploy.kind} of ${deploy.app}/${deploy.env}).`);
  ctx.out.note(`Follow it with 'berth deploys logs ${id} -f'; cancel it with 'berth deploys cancel ${id}'.`);
}

/**
 * Prints the deploy's log to stderr until it has finished; resolves to it, whatever its end. The
 * lines printed are added to `printed` when given.
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
  const print = (line: LogLine) => {
    const text = logText(line);
    printed?.push(text);
    ctx.out.log(text, 'stderr');
  };
  // Ctrl-C ends the command (exit 130) at once; the deploy goes on, so the error says how to stop it.
  let stop = () => {};
  const stopped = new Promise<never>((_, reject) => {
    const onAbort = () =>
      reject(
        new CliError(
          `stopped following; deploy ${id} goes on on the server (cancel it with 'berth deploys cancel ${id}')`,
          'INTERRUPTED',
          EXIT.interrupted,
        ),
      );
    if (ctx.signal.aborted) return onAbort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    stop = () => ctx.signal.removeEventListener('abort', onAbort);
  });
  try {
    return await Promise.race([followLog(client, id, print, { signal: ctx.signal }), stopped]);
  } finally {
    stop();
  }
}

/**
 * The error a failed or cancelled deploy ends the command with (exit 1). The error is said once:
 * when the log printed above (`printed`) holds it, the message points there instead.
 */
export function deployFailure(finished: Deploy, advice?: string, printed: readonly string[] = []): CliError {
  const id = finished.id;
  // A refused or withdrawn request has no error: the decider's reason says why.
  const error = finished.error?.message || finished.request?.reason || 'no reason given';
  const shown = Boolean(finished.error) && printed.some((line) => line.includes(error));
  return new CliError(
    `deploy ${id} ${finished.status}${shown ? ' (see its log above)' : `: ${error}`}${advice ? `. ${advice}` : ''}`,
    // A failed deploy ends with the server's code for why (INSTANCE_CRASHED, BUILD_FAILED, …), an
    // approved request that missed its window with REQUEST_WINDOW_MISSED; one stopped otherwise
    // (cancelled, a request refused or withdrawn) with DEPLOY_CANCELLED.
    finished.status === 'failed'
      ? (finished.error?.code ?? 'DEPLOY_FAILED')
      : finished.error?.code === 'REQUEST_WINDOW_MISSED'
        ? finished.error.code
        : 'DEPLOY_CANCELLED',
    EXIT.api,
  );
}

/** A deploy's or job's log line as text (`[warn] …` unless info); the printer makes it safe. */
export function logText(line: Pick<LogLine, 'level' | 'line'>): string {
  return `${line.level === 'info' ? '' : `[${line.level}] `}${line.line}`;
}

/**
 * Passes the deploy's log lines from the start until the deploy has finished; resolves to it.
 * `signal` stops it with INTERRUPTED.
 */
export async function followLog(
  client: BerthClient,
  id: string,
  print: (line: LogLine) => void,
  options: { follow?: boolean; signal?: AbortSignal } = {},
): Promise<Deploy> {
  const follow = options.follow ?? true;
  const signal = options.signal ?? new AbortController().signal;
  let after = 0;
  let finished: Deploy | undefined;
  for (;;) {
    if (signal.aborted) throw interrupted();
    const page = await client.deployLogs(id, { after });
    for (const line of page.lines) print(line);
    after = Math.max(after, page.nextAfter ?? 0, page.lines.at(-1)?.seq ?? 0);
    if (page.lines.length > 0) continue;
    if (finished) return finished;
    // Drain once more after seeing the deploy finished: lines may land just before the end.
    const current = (await client.getDeploy(id)).deploy;
    if (FINISHED.has(current.status) || !follow) finished = current;
    else await pause(POLL_MS, signal);
  }
}

/** Waits `ms`, or less when `signal` aborts (the caller then finds it aborted). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
