// Runs a release's release command once (e.g. database migrations), in its artifact, as the
// environment's run identity with its home as HOME, with the same variables its instances get. Output goes to the deploy's log. This is the
// process runtime's way; with containers (BERTH_RUNTIME=docker) apply-release.ts runs the command
// in a one-off container instead (`EngineContainers.runTask`, runtime/docker/run-task.ts).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { defaultPath } from '../runtime/process/instance-env.ts';

export interface ReleaseCommandOptions {
  command: string[];
  artifactDir: string;
  vars: Record<string, string>;
  pathPrepend: string[];
  user: { uid: number; gid: number; home: string } | undefined;
  log: (line: string) => void;
  signal: AbortSignal;
  timeoutMs: number;
}

/** Resolves with the exit code (a signal counts as -1). */
export function runReleaseCommand(o: ReleaseCommandOptions): Promise<number> {
  const env: Record<string, string> = {
    ...o.vars,
    PATH: [...o.pathPrepend.map((d) => path.join(o.artifactDir, d)), defaultPath()].join(':'),
    // The artifact is read-only: a release command writes only where instances do.
    HOME: o.vars['HOME'] ?? o.user?.home ?? o.artifactDir,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(o.command[0]!, o.command.slice(1), {
      cwd: o.artifactDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
      ...(o.user ? { uid: o.user.uid, gid: o.user.gid } : {}),
    });
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    };
    const timer = setTimeout(() => {
      o.log(`release command timed out after ${Math.round(o.timeoutMs / 1000)}s`);
      kill();
    }, o.timeoutMs);
    o.signal.addEventListener('abort', kill, { once: true });
    for (const stream of [child.stdout, child.stderr]) {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) o.log(line);
      });
      stream.on('end', () => {
        if (rest) o.log(rest);
      });
    }
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      o.signal.removeEventListener('abort', kill);
      resolve(code ?? -1);
    });
  });
}
