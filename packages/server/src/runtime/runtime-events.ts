// The `on`/`off` half of a RuntimeDriver. Listeners run synchronously in registration order; one
// that throws is logged and does not stop the others or the driver.
import type { Logger } from '../logger.ts';
import type { InstanceInfo, RuntimeEvent, RuntimeListener } from './driver.ts';

export interface RuntimeEvents {
  on(event: RuntimeEvent, listener: RuntimeListener): void;
  off(event: RuntimeEvent, listener: RuntimeListener): void;
  emit(event: RuntimeEvent, info: InstanceInfo): void;
}

export function createRuntimeEvents(logger: Logger): RuntimeEvents {
  const listeners = new Map<RuntimeEvent, RuntimeListener[]>();
  return {
    on(event, listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
    },
    off(event, listener) {
      listeners.set(
        event,
        (listeners.get(event) ?? []).filter((l) => l !== listener),
      );
    },
    emit(event, info) {
      for (const listener of listeners.get(event) ?? []) {
        try {
          listener(structuredClone(info));
        } catch (err) {
          logger.error({ err, event, instance: info.id }, 'runtime event listener failed');
        }
      }
    },
  };
}
