// `POST …/run` as a client sees it, for the one-off run suites: the NDJSON frames as they come,
// stdout and stderr put together, and a way to hang up mid-run (which must kill the run).

export interface RunSession {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: wire JSON
  body?: any;
  stdout(): string;
  stderr(): string;
  /** Resolves with the last frame (`{exit…}` or `{error…}`) once the answer ended. */
  // biome-ignore lint/suspicious/noExplicitAny: wire JSON
  done: Promise<any>;
  /** Resolves once stdout contains `text`. */
  waitForStdout(text: string, timeoutMs?: number): Promise<void>;
  /** Closes the connection. */
  hangUp(): void;
}

export async function startRun(
  url: string,
  headers: Record<string, string>,
  app: string,
  env: string,
  command: string[],
): Promise<RunSession> {
  const abort = new AbortController();
  const res = await fetch(`${url}/api/v1/apps/${app}/envs/${env}/run`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ command }),
    signal: abort.signal,
  });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  if (res.status !== 200 || !res.body) {
    const body = await res.json();
    return {
      status: res.status,
      body,
      stdout: () => '',
      stderr: () => '',
      done: Promise.resolve(body),
      waitForStdout: () => Promise.reject(new Error(`the run was refused: ${JSON.stringify(body)}`)),
      hangUp: () => {},
    };
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const done = (async () => {
    // biome-ignore lint/suspicious/noExplicitAny: wire JSON
    let last: any;
    let buffer = '';
    try {
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        buffer += decoder.decode(chunk.value, { stream: true });
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const frame = JSON.parse(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
          if (frame.stream === 'stdout') out += frame.data;
          else if (frame.stream === 'stderr') err += frame.data;
          else last = frame;
          for (const wake of waiters.splice(0)) wake();
        }
      }
    } catch (e) {
      if (!abort.signal.aborted) throw e;
    }
    for (const wake of waiters.splice(0)) wake();
    return last;
  })();
  return {
    status: res.status,
    stdout: () => out,
    stderr: () => err,
    done,
    async waitForStdout(text, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      while (!out.includes(text)) {
        if (Date.now() > until) throw new Error(`no "${text}" in the run's stdout: ${out}\n${err}`);
        await Promise.race([
          new Promise<void>((resolve) => waiters.push(resolve)),
          new Promise((resolve) => setTimeout(resolve, 200)),
        ]);
      }
    },
    hangUp: () => abort.abort(),
  };
}
