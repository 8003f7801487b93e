// Starts the keep-alive load generator (loadgen.ts) in its own process and talks to it over IPC:
// `ready` once its connections run, `results` once it was told to stop (see loadgen.ts).
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { PhaseResult } from './loadgen.ts';
import { exited, onCleanup, stop } from './procs.ts';

export interface RunningLoad {
  child: ChildProcess;
  ready: Promise<void>;
  results: Promise<PhaseResult[]>;
  /** Stops the process now (when its results are not wanted, or after them). */
  stop: () => Promise<void>;
}

export function startLoad(url: string, connections: number): RunningLoad {
  const script = fileURLToPath(new URL('./loadgen.ts', import.meta.url));
  const child = fork(script, [url, String(connections)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const stopNow = onCleanup(() => stop(child, 5_000));
  let readyResolve!: () => void;
  const ready = new Promise<void>((resolve) => {
    readyResolve = resolve;
  });
  const results = new Promise<PhaseResult[]>((resolve, reject) => {
    child.on('message', (message: { type?: string; phases?: PhaseResult[] }) => {
      if (message.type === 'ready') readyResolve();
      if (message.type === 'result') resolve(message.phases ?? []);
    });
    exited(child).then(() =>
      reject(new Error(`the load generator exited (${child.exitCode ?? child.signalCode})`)),
    );
  });
  results.catch(() => {});
  return { child, ready, results, stop: stopNow };
}
