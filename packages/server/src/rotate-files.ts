// Rotation of a log file by renaming, shared by the instances' logs (runtime/process/
// log-collector.ts) and the logs nginx writes for berthd (gateway/nginx/log-rotation.ts): the
// rotated files move up by one (`.1` becomes `.2` …), the one beyond `keep` is removed, and the
// live file becomes `.1` (with `keep` 0 it is removed). A file that is not there is skipped. The
// writer opens a new live file afterwards. A leaf module: it imports nothing of the project.
import fs from 'node:fs';

export function rotateFiles(file: string, rotated: (n: number) => string, keep: number): void {
  if (keep === 0) {
    fs.rmSync(file, { force: true });
    return;
  }
  fs.rmSync(rotated(keep), { force: true });
  for (let n = keep - 1; n >= 1; n--) renameIfThere(rotated(n), rotated(n + 1));
  renameIfThere(file, rotated(1));
}

function renameIfThere(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
