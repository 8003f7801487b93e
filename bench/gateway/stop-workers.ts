// The bench's cluster servers stop their workers and exit on SIGTERM or SIGINT.
import type { Worker } from 'node:cluster';

export function stopWorkersOnSignal(workers: readonly Worker[]): void {
  const stop = () => {
    for (const worker of workers) worker.kill();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
