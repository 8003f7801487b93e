// One structured line per request the gateway served: who asked for what, which instance answered,
// the status, size and time. Written through the injected logger (mod "access").
import type { Logger } from '../logger.ts';
import type { RequestDoneInfo } from './proxy-context.ts';

export function accessLogger(logger: Logger): (info: RequestDoneInfo) => void {
  const log = logger.child({ mod: 'access' });
  return (info) => {
    log.info(
      {
        app: info.app,
        env: info.env,
        method: info.method,
        url: info.url,
        status: info.status,
        bytes: info.bytes,
        ms: Math.round(info.durationMs * 100) / 100,
        upstream: info.upstream,
        reqId: info.requestId,
        ...(info.error ? { error: info.error } : {}),
      },
      'request',
    );
  };
}
