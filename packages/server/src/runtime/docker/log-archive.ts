// The logs of a stopped instance: its container is removed on stop, so its log is copied first to
// `<dataDir>/logs/docker/<id>.jsonl` (one JSON LogLine a line, plus `ns`: Docker's timestamp in
// nanoseconds as a string, so that a follower cut at a point in time reads the archive as exactly as
// the live log), readable until retention removes it (`sweepLogArchives`, BERTH_LOG_RETENTION).
import fs from 'node:fs';
import path from 'node:path';
import type { LogLine } from '../driver.ts';
import type { DockerLogLine } from './log-frames.ts';

export function archivePath(dataDir: string, id: string): string {
  return path.join(dataDir, 'logs', 'docker', `${id}.jsonl`);
}

export function writeLogArchive(dataDir: string, id: string, lines: DockerLogLine[]): void {
  const file = archivePath(dataDir, id);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const text = lines.map((l) => `${JSON.stringify({ ...toLogLine(l, id), ns: l.ns.toString() })}\n`).join('');
  fs.writeFileSync(file, text, { mode: 0o600 });
}

/** The archived lines in time order, or undefined when there is no archive. */
export function readLogArchive(dataDir: string, id: string): DockerLogLine[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(archivePath(dataDir, id), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const entry = JSON.parse(l) as LogLine & { ns?: string };
      // Archives written before `ns` was kept: millisecond precision.
      const ns = entry.ns !== undefined ? BigInt(entry.ns) : BigInt(entry.at) * 1_000_000n;
      return { stream: entry.stream, ns, line: entry.line };
    });
}

/** A LogLine of instance `id`; `at` is Docker's timestamp in ms (now when the line had none). */
export function toLogLine(l: DockerLogLine, id: string): LogLine {
  return {
    at: l.ns > 0n ? Number(l.ns / 1_000_000n) : Date.now(),
    stream: l.stream,
    line: l.line,
    instance: id,
  };
}

/** Deletes the archives of instances not in `live` written longer than `retainMs` ago; returns their ids. */
export function sweepLogArchives(
  dataDir: string,
  live: ReadonlySet<string>,
  retainMs: number,
  now: number,
): string[] {
  const dir = path.dirname(archivePath(dataDir, 'x'));
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.endsWith('.jsonl')) continue;
    const id = name.slice(0, -'.jsonl'.length);
    if (live.has(id)) continue;
    const file = path.join(dir, name);
    try {
      if (now - fs.lstatSync(file).mtimeMs < retainMs) continue;
      fs.rmSync(file, { force: true });
      removed.push(id);
    } catch {
      // gone meanwhile
    }
  }
  return removed;
}
