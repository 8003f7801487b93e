// Runs one of the host's programs to its end (nginx, openssl): an argument array, never a shell
// string; stdout and stderr together, capped; killed after a time limit. A leaf module, so the
// gateway may use it too.
import { spawn } from 'node:child_process';

export interface ProgramResult {
  /** The exit code; null when it was killed by a signal (its time limit). */
  code: number | null;
  /** stdout and stderr as they came, trimmed, at most `maxOutput` characters. */
  output: string;
}

export function runProgram(
  binary: string,
  args: readonly string[],
  opts: { timeoutMs?: number; maxOutput?: number } = {},
): Promise<ProgramResult> {
  const max = opts.maxOutput ?? 65_536;
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      if (output.length < max) output += chunk.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: output.trim() });
    });
  });
}
