// The one wrapper around every RuntimeDriver (like Kysely's RuntimeDriver around a dialect's
// driver): checks specs, refuses calls after close, serialises operations on the same instance id,
// and logs what happened. Drivers implement the raw behaviour and get this for free.
import { BerthError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { InstanceInfo, InstanceSpec, LogLine, LogOptions, RuntimeDriver } from './driver.ts';
import { INSTANCE_ID_PATTERN, validateInstanceSpec, validateRunSpec } from './instance-spec.ts';

export function guardDriver(inner: RuntimeDriver, logger: Logger): RuntimeDriver {
  let closing: Promise<void> | undefined;
  /** The tail of the operations queued per instance id. */
  const queues = new Map<string, Promise<unknown>>();

  const open = () => {
    if (closing) throw new BerthError('RUNTIME_CLOSED');
  };
  function serial<T>(id: string, op: () => Promise<T>): Promise<T> {
    const previous = queues.get(id) ?? Promise.resolve();
    const result = previous.then(op, op);
    const tail = result.catch(() => {});
    queues.set(id, tail);
    void tail.then(() => {
      if (queues.get(id) === tail) queues.delete(id);
    });
    return result;
  }

  return {
    name: inner.name,
    capabilities: inner.capabilities,
    async start(spec: InstanceSpec): Promise<InstanceInfo> {
      open();
      validateInstanceSpec(spec);
      return serial(spec.id, async () => {
        open();
        try {
          const info = await inner.start(spec);
          logger.info({ instance: spec.id, pid: info.pid, address: info.address }, 'instance started');
          return info;
        } catch (err) {
          logger.warn({ err, instance: spec.id }, 'instance failed to start');
          throw err;
        }
      });
    },
    async stop(id, opts) {
      open();
      if (!INSTANCE_ID_PATTERN.test(id)) return;
      await serial(id, async () => {
        await inner.stop(id, opts);
        logger.info({ instance: id }, 'instance stopped');
      });
    },
    async list(filter) {
      open();
      return inner.list(filter);
    },
    logs(id: string, opts?: LogOptions): AsyncIterable<LogLine> {
      open();
      if (!INSTANCE_ID_PATTERN.test(id)) throw new BerthError('RUNTIME_INSTANCE_NOT_FOUND');
      return inner.logs(id, opts);
    },
    async runOnce(spec, io) {
      open();
      validateRunSpec(spec);
      io.signal.throwIfAborted();
      logger.info({ run: spec.id, kind: spec.kind, app: spec.app, env: spec.env }, 'one-off run started');
      try {
        const exit = await inner.runOnce(spec, io);
        logger.info({ run: spec.id, ...exit }, 'one-off run ended');
        return exit;
      } catch (err) {
        logger.warn({ err, run: spec.id }, 'one-off run failed');
        throw err;
      }
    },
    ...(inner.nodes
      ? {
          nodes: async () => {
            open();
            return inner.nodes!();
          },
        }
      : {}),
    ...(inner.sync
      ? {
          sync: async () => {
            open();
            await inner.sync!();
          },
        }
      : {}),
    async recover() {
      open();
      const infos = await inner.recover();
      logger.info({ instances: infos.length }, 'runtime recovered');
      return infos;
    },
    close() {
      closing ??= (async () => {
        await Promise.allSettled([...queues.values()]);
        await inner.close();
      })();
      return closing;
    },
    on: (event, listener) => inner.on(event, listener),
    off: (event, listener) => inner.off(event, listener),
  };
}
