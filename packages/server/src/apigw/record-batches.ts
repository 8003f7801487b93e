// The call records of a gateway worker process, which has no store: it counts the calls it answered
// per (minute, system, component, calling app) as the recorder does (call-records.ts) and keeps the
// newest KEPT_ERRORS error calls per (system, component); every `everyMs` (1 s), when it counted
// anything, it sends what it counted as one batch to berthd's primary process, whose recorder
// absorbs it (CallRecorder.absorb) and writes it with its own counts. Names and messages travel
// whole: the recorder cuts them to their columns' widths when it absorbs the batch.
//
// A worker that dies loses what it counted since its last batch (at most `everyMs` of calls); a batch
// is the worker's no more once given to `send`.
import {
  type BatchMinute,
  type CallRecord,
  countCall,
  keepError,
  minuteKey,
  minuteStart,
  type RecordBatch,
} from './call-records.ts';
import { emptyTotals } from './call-totals.ts';

export interface RecordBatcherDeps {
  /** Hands a batch to the primary (over the IPC channel). It must not throw (the timer calling it
   *  has no one to tell): a batch it cannot deliver is lost. */
  send(batch: RecordBatch): void;
  /** How often a batch is sent (default 1 s). */
  everyMs?: number;
}

export interface RecordBatcher {
  /** Counts one call into the next batch. Ignored after `close()`. */
  record(call: CallRecord): void;
  /** Sends what was counted since the last batch now (nothing when nothing was). */
  flush(): void;
  /** Stops the timer and sends what is left. */
  close(): void;
}

export function createRecordBatcher(deps: RecordBatcherDeps): RecordBatcher {
  let minutes = new Map<string, BatchMinute>();
  /** Error calls by (system, component), oldest first, at most KEPT_ERRORS each. */
  let errors = new Map<string, CallRecord[]>();
  let closed = false;

  const timer = setInterval(flush, deps.everyMs ?? 1000);
  timer.unref();

  function flush(): void {
    if (minutes.size === 0 && errors.size === 0) return;
    const batch: RecordBatch = { minutes: [...minutes.values()], errors: [...errors.values()].flat() };
    minutes = new Map();
    errors = new Map();
    deps.send(batch);
  }

  return {
    record(call) {
      if (closed) return;
      const bucket = minuteStart(call.at);
      const key = minuteKey(bucket, call.system, call.component, call.app);
      let minute = minutes.get(key);
      if (!minute) {
        minute = {
          bucket,
          system: call.system,
          component: call.component,
          app: call.app,
          totals: emptyTotals(),
        };
        minutes.set(key, minute);
      }
      if (countCall(minute.totals, call)) keepError(errors, call);
    },
    flush,
    close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      flush();
    },
  };
}
