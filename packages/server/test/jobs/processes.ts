// Starting fixture scripts (node --import tsx) and other node programs as real OS processes, and
// waiting for their output.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '../../../..');

export interface Fixture {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first stdout line that starts with `prefix`. */
  line(prefix: string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

export function startFixture(script: string, env: Record<string, string>): Fixture {
  return startNode(['--import', 'tsx', path.join(here, 'fixtures', script)], env);
}

/** `node ...args` from the repository's root, with the caller's environment plus `env`. */
export function startNode(args: string[], env: Record<string, string>): Fixture {
  const script = path.basename(args.at(-1) ?? 'node');
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: Array<() => void> = [];
  const onData = (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve(code ?? signal ?? 'unknown');
      for (const w of waiters.splice(0)) w();
    });
  });
  return {
    child,
    output: () => out,
    exited,
    line(prefix, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = out.split('\n').find((l) => l.startsWith(prefix));
          if (found !== undefined) return resolve(found);
          if (child.exitCode !== null || child.signalCode !== null) {
            return reject(new Error(`${script} exited before printing "${prefix}":\n${out}`));
          }
          if (Date.now() > deadline) return reject(new Error(`${script} did not print "${prefix}":\n${out}`));
          waiters.push(check);
          setTimeout(check, Math.max(0, Math.min(1000, deadline - Date.now()))).unref();
        };
        check();
      });
    },
  };
}

/** Whether a process is alive (a zombie left for a reaper that never comes counts as dead). */
export function isAlive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** pid -> `/proc/<pid>/{file}` (NULs as spaces for `cmdline`) of every process whose parent is `ppid`. */
export function childProcesses(ppid: number, file: 'cmdline' | 'environ'): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== ppid) continue;
      const text = fs.readFileSync(`/proc/${entry}/${file}`, 'latin1');
      found.set(Number(entry), file === 'cmdline' ? text.split('\0').join(' ') : text);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}
