// A keep-alive HTTP load generator run as a separate process (so it does not share an event loop
// with the benchmark driving deploys). `connections` loops each send GET requests back to back over
// their own kept-alive connection and record every latency and failure. Controlled over IPC:
//   parent -> { type: 'mark', name }   closes the current phase and starts a new one named `name`
//   parent -> { type: 'stop' }         finishes; the child answers { type: 'result', phases } and exits
// Usage (forked): loadgen.ts <url> <connections>
import http from 'node:http';

export interface PhaseResult {
  name: string;
  requests: number;
  /** Responses with a status other than 2xx. */
  non2xx: number;
  /** Requests that got no response (connection refused, reset, timeout). */
  errors: number;
  /** Of `errors`: ECONNRESET on a kept-alive connection reused for this request (the server closed
   *  it as the request went out; a client that retries such requests would not see them fail). */
  resetOnReuse: number;
  /** A few examples of what failed. */
  samples: string[];
  p50ms: number;
  p99ms: number;
  maxMs: number;
  durationMs: number;
}

interface Phase {
  name: string;
  latencies: number[];
  non2xx: number;
  errors: number;
  resetOnReuse: number;
  samples: string[];
  startedAt: number;
}

function summarise(phase: Phase, endedAt: number): PhaseResult {
  const sorted = phase.latencies.sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! : Number.NaN;
  return {
    name: phase.name,
    requests: sorted.length + phase.errors,
    non2xx: phase.non2xx,
    errors: phase.errors,
    resetOnReuse: phase.resetOnReuse,
    samples: phase.samples,
    p50ms: at(0.5),
    p99ms: at(0.99),
    maxMs: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    durationMs: endedAt - phase.startedAt,
  };
}

async function main(): Promise<void> {
  const [url, connectionsArg] = process.argv.slice(2) as [string, string];
  const connections = Number(connectionsArg);
  const target = new URL(url);
  const phases: PhaseResult[] = [];
  let phase: Phase = {
    name: 'start',
    latencies: [],
    non2xx: 0,
    errors: 0,
    resetOnReuse: 0,
    samples: [],
    startedAt: performance.now(),
  };
  let stopping = false;

  const one = (agent: http.Agent): Promise<void> =>
    new Promise((resolve) => {
      const began = performance.now();
      const current = phase;
      const req = http.get(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          agent,
          timeout: 10_000,
        },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            current.latencies.push(performance.now() - began);
            if (status < 200 || status >= 300) {
              current.non2xx++;
              if (current.samples.length < 5) current.samples.push(`status ${status}`);
            }
            resolve();
          });
          res.on('error', (err) => fail(current, err, false, resolve));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout after 10 s')));
      req.on('error', (err) => fail(current, err, req.reusedSocket, resolve));
    });
  const fail = (current: Phase, err: Error, reused: boolean, resolve: () => void) => {
    current.errors++;
    if (reused && (err as NodeJS.ErrnoException).code === 'ECONNRESET') current.resetOnReuse++;
    if (current.samples.length < 5) current.samples.push(err.message);
    resolve();
  };

  const loops = Array.from({ length: connections }, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    while (!stopping) await one(agent);
    agent.destroy();
  });

  process.on('message', (message: { type?: string; name?: string }) => {
    if (message.type === 'mark') {
      const now = performance.now();
      phases.push(summarise(phase, now));
      phase = {
        name: message.name ?? 'phase',
        latencies: [],
        non2xx: 0,
        errors: 0,
        resetOnReuse: 0,
        samples: [],
        startedAt: now,
      };
    } else if (message.type === 'stop') {
      stopping = true;
      const now = performance.now();
      phases.push(summarise(phase, now));
      Promise.all(loops).then(() => {
        process.send!({ type: 'result', phases }, () => process.exit(0));
      });
    }
  });
  process.send!({ type: 'ready' });
}

await main();
