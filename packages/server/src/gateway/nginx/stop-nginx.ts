// Stops the nginx master of a prefix that no berthd drives any more. berthd leaves its nginx
// serving when it stops (apps answer while it restarts; the next berthd adopts the master), like
// the Docker runtime leaves containers; whoever removes a data dir for good (tests, the bench, an
// uninstall) stops that nginx first with this: QUIT (requests in flight finish), wait, then KILL.
import path from 'node:path';
import { alive, isMasterOf, isNginxChild, masterPid, workerPids } from './nginx-process.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Stops the master whose pid file is `{prefix}/nginx.pid` (when it is this prefix's nginx master)
 * and its workers. Resolves true when one was running. `timeoutMs` (default 30 s): how long QUIT
 * gets before KILL.
 */
export async function stopNginx(prefix: string, options: { timeoutMs?: number } = {}): Promise<boolean> {
  const command = { binary: '/usr/sbin/nginx', prefix: path.resolve(prefix).replace(/\/+$/, '') };
  const master = masterPid(command, path.join(command.prefix, 'nginx.pid'));
  if (master === null) return false;
  const workers = workerPids(master);
  signal(master, 'SIGQUIT');
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const running = () => (alive(master) && isMasterOf(command, master)) || workers.some(workerAlive);
  while (running() && Date.now() < deadline) await sleep(25);
  if (alive(master) && isMasterOf(command, master)) signal(master, 'SIGKILL');
  for (const worker of workers) if (workerAlive(worker)) signal(worker, 'SIGKILL');
  while ((alive(master) && isMasterOf(command, master)) || workers.some(workerAlive)) await sleep(25);
  return true;
}

function workerAlive(pid: number): boolean {
  return alive(pid) && isNginxChild(pid);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    // Exited meanwhile.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
