// The logs of a stopped instance: its container is removed on stop, so its log is copied first to
// `<dataDir>/logs/docker/<id>.jsonl` (one JSON LogLine a line), readable until retention removes it.
import fs from 'node:fs';
import path from 'node:path';
import type { LogLine } from '../driver.ts';

export function archivePath(dataDir: string, id: string): string {
  return path.join(dataDir, 'logs', 'docker', `${id}.jsonl`);
}

export function writeLogArchive(dataDir: string, id: string, lines: LogLine[]): void {
  const file = archivePath(dataDir, id);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''), { mode: 0o600 });
}

/** The archived lines (the last `tailLines` when given), or undefined when there is no archive. */
export function readLogArchive(dataDir: string, id: string, tailLines?: number): LogLine[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(archivePath(dataDir, id), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const lines = text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LogLine);
  return tailLines === undefined ? lines : lines.slice(Math.max(lines.length - tailLines, 0));
}
