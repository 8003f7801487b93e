// Where an instance's logs live, how a line is written, and how old logs go away.
//
// In `{dataDir}/logs/instances/` (0700, files 0600):
//   {id}.stdout, {id}.stderr   spools: the app's fd 1 and 2, opened O_APPEND by berthd and handed to
//                              the process, so it keeps logging while berthd is down
//   {id}.log                   the instance's log: one line per app line, `<ISO time> <stream> <text>`,
//                              written only by berthd's collector (log-collector.ts)
//   {id}.log.1 … {id}.log.N    rotated logs, .1 the newest
//   {id}.offsets               how far the collector has read each spool
import fs from 'node:fs';
import path from 'node:path';
import type { LogLine } from '../driver.ts';

export interface LogPaths {
  stdout: string;
  stderr: string;
  log: string;
  offsets: string;
  rotated(n: number): string;
}

export function logPaths(dir: string, id: string): LogPaths {
  const base = path.join(dir, id);
  return {
    stdout: `${base}.stdout`,
    stderr: `${base}.stderr`,
    log: `${base}.log`,
    offsets: `${base}.offsets`,
    rotated: (n) => `${base}.log.${n}`,
  };
}

const ISO_LENGTH = 24; // 2026-11-23T15:27:01.123Z

export function formatLogLine(at: number, stream: LogLine['stream'], text: string): string {
  return `${new Date(at).toISOString()} ${stream} ${text}\n`;
}

/** Parses one line of `{id}.log` (without its newline); undefined when it is not one. */
export function parseLogLine(text: string, instance: string): LogLine | undefined {
  if (text.charCodeAt(ISO_LENGTH) !== 32) return undefined;
  const at = Date.parse(text.slice(0, ISO_LENGTH));
  if (!Number.isFinite(at)) return undefined;
  const rest = text.slice(ISO_LENGTH + 1);
  for (const stream of ['stdout', 'stderr'] as const) {
    if (rest.startsWith(stream) && rest.charCodeAt(stream.length) === 32) {
      return { at, stream, line: rest.slice(stream.length + 1), instance };
    }
  }
  return undefined;
}

/** An open, size-bounded view of an instance's log files, oldest first; taken synchronously so
 *  that it fits exactly with the live lines that follow it. */
export interface LogSnapshot {
  files: Array<{ fd: number; size: number }>;
  close(): void;
}

export function snapshotLogFiles(paths: LogPaths, keep: number): LogSnapshot | undefined {
  const files: Array<{ fd: number; size: number }> = [];
  for (let n = keep; n >= 0; n--) {
    const file = n === 0 ? paths.log : paths.rotated(n);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      continue;
    }
    files.push({ fd, size: fs.fstatSync(fd).size });
  }
  if (files.length === 0) return undefined;
  let closed = false;
  return {
    files,
    close() {
      if (closed) return;
      closed = true;
      for (const { fd } of files) fs.closeSync(fd);
    },
  };
}

const LOG_FILE = /^(.+)\.(?:stdout|stderr|offsets|log(?:\.\d+)?)$/;

/**
 * Deletes the log files of instances not in `live` whose newest file is older than `retainMs`.
 * Returns the ids removed.
 */
export function sweepOldLogs(dir: string, live: Set<string>, retainMs: number, now: number): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const newest = new Map<string, { mtime: number; files: string[] }>();
  for (const name of names) {
    const id = LOG_FILE.exec(name)?.[1];
    if (!id || live.has(id)) continue;
    const file = path.join(dir, name);
    let mtime: number;
    try {
      mtime = fs.statSync(file).mtimeMs;
    } catch {
      continue;
    }
    const entry = newest.get(id) ?? { mtime: 0, files: [] };
    entry.mtime = Math.max(entry.mtime, mtime);
    entry.files.push(file);
    newest.set(id, entry);
  }
  const removed: string[] = [];
  for (const [id, entry] of newest) {
    if (now - entry.mtime < retainMs) continue;
    for (const file of entry.files) fs.rmSync(file, { force: true });
    removed.push(id);
  }
  return removed;
}
