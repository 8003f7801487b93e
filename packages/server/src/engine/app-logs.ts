// An environment's app logs: the instances' stdout/stderr from the runtime, merged by time and
// filtered: those that run, and those that were replaced or crashed while the runtime keeps their
// logs (`past`, from the instance history). `follow` streams new lines of every running instance,
// including ones started later (a deploy).
import type { AppLogLine, AppLogsQuery } from '@berth/sdk';
import { isBerthError } from '../errors.ts';
import type { InstanceInfo, LogLine, RuntimeDriver } from '../runtime/index.ts';
import type { PastInstance } from './instance-history.ts';

const DEFAULT_LIMIT = 500;
const DISCOVER_MS = 1000;

type Source = Pick<InstanceInfo, 'id' | 'processType'>;

function matches(query: AppLogsQuery, info: Source): boolean {
  if (query.process !== undefined && info.processType !== query.process) return false;
  if (query.instance !== undefined && info.id !== query.instance) return false;
  return true;
}

function lineMatches(query: AppLogsQuery, line: LogLine): boolean {
  if (query.since !== undefined && line.at < query.since) return false;
  if (query.until !== undefined && line.at > query.until) return false;
  if (query.q !== undefined && query.q !== '' && !line.line.includes(query.q)) return false;
  return true;
}

function view(line: LogLine, info: Source): AppLogLine {
  return {
    at: line.at,
    instance: line.instance,
    process: info.processType,
    stream: line.stream,
    line: line.line,
  };
}

export async function queryAppLogs(
  driver: RuntimeDriver,
  app: string,
  env: string,
  query: AppLogsQuery,
  past: readonly PastInstance[] = [],
): Promise<AppLogLine[]> {
  const limit = query.limit ?? DEFAULT_LIMIT;
  const running: Source[] = await driver.list({ app, env });
  const known = new Set(running.map((i) => i.id));
  const instances = [...running, ...past.filter((p) => !known.has(p.id))].filter((i) => matches(query, i));
  const lines: AppLogLine[] = [];
  for (const info of instances) {
    try {
      for await (const line of driver.logs(info.id, { tailLines: limit * 4 })) {
        if (lineMatches(query, line)) lines.push(view(line, info));
      }
    } catch (err) {
      // An instance whose logs were removed meanwhile has nothing to add; anything else is a real error.
      if (!isBerthError(err, 'RUNTIME_INSTANCE_NOT_FOUND')) throw err;
    }
  }
  lines.sort((a, b) => a.at - b.at);
  return lines.slice(-limit);
}

/** The last `limit` lines, then new ones as they come, until `signal` aborts. */
export async function followAppLogs(
  driver: RuntimeDriver,
  app: string,
  env: string,
  query: AppLogsQuery,
  signal: AbortSignal,
  past: readonly PastInstance[] = [],
): Promise<AsyncIterable<AppLogLine>> {
  const backlog = await queryAppLogs(driver, app, env, query, past);
  const pending: AppLogLine[] = [];
  let wakeUp: (() => void) | undefined;
  const wake = () => {
    wakeUp?.();
    wakeUp = undefined;
  };
  const followed = new Set<string>();
  const follow = (info: InstanceInfo, fromStart: boolean) => {
    followed.add(info.id);
    (async () => {
      try {
        for await (const line of driver.logs(info.id, {
          follow: true,
          tailLines: fromStart ? 10_000 : 0,
          signal,
        })) {
          if (lineMatches(query, line)) {
            pending.push(view(line, info));
            wake();
          }
        }
      } catch {
        // the instance's logs went away, or we were aborted
      }
    })();
  };
  for (const info of (await driver.list({ app, env })).filter((i) => matches(query, i))) follow(info, false);
  const discover = setInterval(async () => {
    try {
      for (const info of await driver.list({ app, env })) {
        if (!followed.has(info.id) && matches(query, info)) follow(info, true);
      }
    } catch {
      // try again next time
    }
  }, DISCOVER_MS);
  signal.addEventListener('abort', () => {
    clearInterval(discover);
    wake();
  });

  return {
    async *[Symbol.asyncIterator]() {
      try {
        yield* backlog;
        while (!signal.aborted) {
          while (pending.length) yield pending.shift()!;
          await new Promise<void>((resolve) => {
            wakeUp = resolve;
            if (pending.length || signal.aborted) wake();
          });
        }
      } finally {
        clearInterval(discover);
      }
    },
  };
}
