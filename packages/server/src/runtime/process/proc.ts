// Reading /proc: a process's state, group and start time, and the members of a process group.
// The start time (field 22 of /proc/<pid>/stat, clock ticks since boot) tells a process apart from a
// later one that got the same pid, so a stale pid is never adopted or signalled.
import fs from 'node:fs';

export interface ProcStat {
  pid: number;
  /** One letter: R, S, D, Z (zombie), T, … */
  state: string;
  pgrp: number;
  /** Field 22: start time in clock ticks after boot. */
  startTime: number;
}

/** Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may hold any byte,
 *  so the fields are counted from its last `)`. */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const fields = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const state = fields[0];
  const pgrp = Number(fields[2]);
  const startTime = Number(fields[19]);
  if (!state || !Number.isInteger(pid) || !Number.isInteger(pgrp) || !Number.isFinite(startTime))
    return undefined;
  return { pid, state, pgrp, startTime };
}

export function readProcStat(pid: number): ProcStat | undefined {
  return readStatFile(`/proc/${pid}/stat`);
}

function readStatFile(file: string): ProcStat | undefined {
  try {
    return parseProcStat(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

const isDead = (state: string): boolean => state === 'Z' || state === 'X';

/**
 * True when a zombie-looking process still has live threads. The leader of a multi-threaded process
 * (any Node.js process) shows `Z` as soon as its own thread is gone, while the other threads are
 * still exiting and the process still holds its files and sockets.
 */
function hasLiveThreads(pid: number): boolean {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  return tids.some((tid) => {
    if (Number(tid) === pid) return false;
    const stat = readStatFile(`/proc/${pid}/task/${tid}/stat`);
    return stat !== undefined && !isDead(stat.state);
  });
}

/** True when `pid` is the same, still running (not zombie) process that started at `startTime`. */
export function isSameProcessAlive(pid: number, startTime: number): boolean {
  const stat = readProcStat(pid);
  return stat !== undefined && stat.startTime === startTime && !isDead(stat.state);
}

/** Pids of the live processes in process group `pgid` (zombies count only while threads live). */
export function processGroupMembers(pgid: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const stat = readProcStat(Number(entry));
    if (!stat || stat.pgrp !== pgid) continue;
    if (!isDead(stat.state) || hasLiveThreads(stat.pid)) members.push(stat.pid);
  }
  return members;
}
