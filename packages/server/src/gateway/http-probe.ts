// One `GET {path}` to an instance on a fresh connection, closed afterwards, the whole exchange
// within a time limit: what the gateway's active health checks and a deploy's readiness wait ask.
// Node's own http client (no pool: a check must not take, or wait for, a connection that serves
// traffic); each caller decides which statuses mean healthy.
import http from 'node:http';

export interface ProbeAnswer {
  /** The answer's status, or undefined when there was none. */
  status: number | undefined;
  /** `status N`, or why there was no answer: the error's code, `timeout` or `aborted`. */
  detail: string;
}

export interface ProbeTarget {
  host: string;
  port: number;
  path: string;
  timeoutMs: number;
  signal?: AbortSignal;
}

export function probeHttp(target: ProbeTarget): Promise<ProbeAnswer> {
  return new Promise<ProbeAnswer>((resolve) => {
    let done = false;
    const hostHeader = target.host.includes(':')
      ? `[${target.host}]:${target.port}`
      : `${target.host}:${target.port}`;
    const req = http.request({
      host: target.host,
      port: target.port,
      path: target.path,
      method: 'GET',
      agent: false,
      headers: { 'user-agent': 'berth-health-check', host: hostHeader, connection: 'close' },
    });
    const timer = setTimeout(() => finish({ status: undefined, detail: 'timeout' }), target.timeoutMs);
    const onAbort = () => finish({ status: undefined, detail: 'aborted' });
    target.signal?.addEventListener('abort', onAbort, { once: true });
    function finish(answer: ProbeAnswer): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      target.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(answer);
    }
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      const answer = { status, detail: `status ${status}` };
      res.on('end', () => finish(answer));
      res.on('error', () => finish(answer));
      res.on('close', () => finish(answer));
      res.resume();
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      finish({ status: undefined, detail: err.code ?? err.name }),
    );
    if (target.signal?.aborted) onAbort();
    else req.end();
  });
}
