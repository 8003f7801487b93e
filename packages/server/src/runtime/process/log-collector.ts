// Moves an instance's output from its spool files into its log. The design, and why:
//
// - The app writes straight to two spool files ({id}.stdout / {id}.stderr, opened O_APPEND by
//   berthd and passed as fd 1 and 2). No pipe to berthd, so an instance never blocks or gets EPIPE
//   when berthd is down or restarting, and no extra process per instance.
// - While berthd runs, the driver calls `collect()` for every instance a few times a second. New
//   complete lines are timestamped *when berthd reads them* and appended to {id}.log as
//   `<ISO time> <stdout|stderr> <text>`, then handed to followers. So a line's time is accurate to
//   the poll interval; lines written while berthd was down get the time of the first poll after
//   recovery; the order between stdout and stderr is exact only across polls. Lines longer than
//   `maxLineBytes` are split.
// - Once a spool has been read to its end and has grown past `spoolTruncateBytes`, it is truncated
//   in place (copy-truncate: the "copy" is the collection). O_APPEND writers continue at the new end.
//   Bytes written between the last read and the truncate (microseconds) would be lost.
// - {id}.log is written by berthd alone, so it rotates by renaming ({id}.log.1 … .N), past
//   `maxBytes` per file, keeping `keepFiles` rotated files.
// - Read positions are kept in {id}.offsets (rewritten in place after every batch): a berthd that dies
//   between appending a batch and recording the offsets repeats that batch once, never loses it.
//
// All file I/O is synchronous and bounded per call (`maxReadBytes` per stream), so a batch, its
// rotation and the hand-over to followers happen in one turn of the event loop.
import fs from 'node:fs';
import { rotateFiles } from '../../rotate-files.ts';
import { SETTING_DEFAULTS } from '../../setting-defaults.ts';
import type { LogLine } from '../driver.ts';
import { formatLogLine, type LogPaths, type LogSnapshot, snapshotLogFiles } from './log-files.ts';

export interface LogSettings {
  /** Rotate {id}.log past this size (10 MiB). */
  maxBytes: number;
  /** Rotated files kept per instance (3). */
  keepFiles: number;
  /** Longer lines are split (16 KiB). */
  maxLineBytes: number;
  /** Truncate a fully read spool past this size (1 MiB). */
  spoolTruncateBytes: number;
  /** Most bytes read per stream and call (1 MiB). */
  maxReadBytes: number;
}

export const DEFAULT_LOG_SETTINGS: Readonly<LogSettings> = Object.freeze({
  maxBytes: SETTING_DEFAULTS.logMaxBytes,
  keepFiles: SETTING_DEFAULTS.logFiles,
  maxLineBytes: 16 * 1024,
  spoolTruncateBytes: 1024 * 1024,
  maxReadBytes: 1024 * 1024,
});

export interface LogFollower {
  line(line: LogLine): void;
  /** No more lines will come (the instance stopped for good). */
  end(): void;
}

export interface LogCollector {
  /** Opens fresh write descriptors on the spools for a new process (close them after spawning). */
  openSpoolWriters(): { stdout: number; stderr: number };
  /** Collects what the spools hold; `final` also takes an unterminated last line. */
  collect(final?: boolean): void;
  /** Collects, then snapshots the log files and subscribes `follower` in the same turn. */
  snapshotAndFollow(follower: LogFollower | undefined): {
    snapshot: LogSnapshot | undefined;
    unfollow(): void;
  };
  /** Ends every follower, now and for later ones. */
  end(): void;
  readonly ended: boolean;
  /** Closes descriptors; `removeSpools` deletes the spools and offsets (the logs stay). */
  close(removeSpools: boolean): void;
}

const STREAMS = ['stdout', 'stderr'] as const;
const NEWLINE = 0x0a;
const OFFSETS_WIDTH = 20;

export function createLogCollector(id: string, paths: LogPaths, settings: LogSettings): LogCollector {
  const offsets = readOffsets(paths.offsets);
  const spools = STREAMS.map((stream, i) => ({
    stream,
    fd: fs.openSync(paths[stream], fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600),
    offset: offsets[i] ?? 0,
  }));
  const offsetsFd = fs.openSync(paths.offsets, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  let logFd = fs.openSync(paths.log, 'a', 0o600);
  let logSize = fs.fstatSync(logFd).size;
  const followers = new Set<LogFollower>();
  let ended = false;
  let closed = false;

  function rotate(): void {
    fs.closeSync(logFd);
    rotateFiles(paths.log, paths.rotated, settings.keepFiles);
    logFd = fs.openSync(paths.log, 'a', 0o600);
    logSize = 0;
  }

  function collect(final = false): void {
    if (closed) return;
    const at = Date.now();
    const lines: LogLine[] = [];
    let moved = false;
    for (const spool of spools) {
      const size = fs.fstatSync(spool.fd).size;
      if (size < spool.offset) spool.offset = 0; // truncated behind our back
      if (size > spool.offset) {
        const length = Math.min(size - spool.offset, settings.maxReadBytes);
        const buffer = Buffer.allocUnsafe(length);
        const read = fs.readSync(spool.fd, buffer, 0, length, spool.offset);
        const consumed = splitLines(
          buffer.subarray(0, read),
          final && read === size - spool.offset,
          settings,
        );
        for (const text of consumed.lines) lines.push({ at, stream: spool.stream, line: text, instance: id });
        spool.offset += consumed.bytes;
        moved ||= consumed.bytes > 0;
      }
      if (spool.offset === size && size >= settings.spoolTruncateBytes) {
        fs.ftruncateSync(spool.fd, 0);
        spool.offset = 0;
        moved = true;
      }
    }
    if (lines.length > 0) {
      for (const line of lines) {
        const text = formatLogLine(line.at, line.stream, line.line);
        logSize += fs.writeSync(logFd, text);
        if (logSize >= settings.maxBytes) rotate();
      }
    }
    if (moved) writeOffsets(offsetsFd, spools[0]!.offset, spools[1]!.offset);
    for (const line of lines) for (const follower of followers) follower.line(line);
  }

  return {
    openSpoolWriters() {
      const open = (file: string) =>
        fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
      return { stdout: open(paths.stdout), stderr: open(paths.stderr) };
    },
    collect,
    snapshotAndFollow(follower) {
      collect();
      const snapshot = snapshotLogFiles(paths, settings.keepFiles);
      if (!follower) return { snapshot, unfollow: () => {} };
      if (ended) follower.end();
      else followers.add(follower);
      return { snapshot, unfollow: () => followers.delete(follower) };
    },
    end() {
      if (ended) return;
      ended = true;
      for (const follower of followers) follower.end();
      followers.clear();
    },
    get ended() {
      return ended;
    },
    close(removeSpools) {
      if (closed) return;
      closed = true;
      for (const spool of spools) fs.closeSync(spool.fd);
      fs.closeSync(offsetsFd);
      fs.closeSync(logFd);
      if (removeSpools) {
        for (const file of [paths.stdout, paths.stderr, paths.offsets]) fs.rmSync(file, { force: true });
      }
    },
  };
}

/**
 * Splits complete lines off `buffer`. An unterminated rest is kept for the next call unless it is at
 * least `maxLineBytes` long (split into pieces of that size) or `takeRest` is set.
 */
export function splitLines(
  buffer: Buffer,
  takeRest: boolean,
  settings: Pick<LogSettings, 'maxLineBytes'>,
): { lines: string[]; bytes: number } {
  const lines: string[] = [];
  const push = (piece: Buffer) => {
    if (piece.length === 0) lines.push('');
    for (let at = 0; at < piece.length; at += settings.maxLineBytes) {
      const text = piece.subarray(at, at + settings.maxLineBytes).toString('utf8');
      lines.push(text.endsWith('\r') ? text.slice(0, -1) : text);
    }
  };
  let start = 0;
  for (;;) {
    const end = buffer.indexOf(NEWLINE, start);
    if (end < 0) break;
    push(buffer.subarray(start, end));
    start = end + 1;
  }
  const rest = buffer.length - start;
  if (rest > 0 && takeRest) {
    push(buffer.subarray(start));
    start = buffer.length;
  } else if (rest >= settings.maxLineBytes) {
    const whole = rest - (rest % settings.maxLineBytes);
    push(buffer.subarray(start, start + whole));
    start += whole;
  }
  return { lines, bytes: start };
}

function readOffsets(file: string): number[] {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .trim()
      .split(/\s+/)
      .map((n) => Number(n))
      .map((n) => (Number.isSafeInteger(n) && n >= 0 ? n : 0));
  } catch {
    return [];
  }
}

function writeOffsets(fd: number, stdout: number, stderr: number): void {
  const text = `${String(stdout).padStart(OFFSETS_WIDTH, '0')} ${String(stderr).padStart(OFFSETS_WIDTH, '0')}\n`;
  fs.writeSync(fd, text, 0, 'utf8');
}
