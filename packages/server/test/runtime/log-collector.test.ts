// The log pipeline on real files, without processes: spools written like an app would, collected,
// rotated, truncated, followed, read back, and swept.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../../src/runtime/index.ts';
import {
  createLogCollector,
  DEFAULT_LOG_SETTINGS,
  splitLines,
} from '../../src/runtime/process/log-collector.ts';
import { formatLogLine, logPaths, parseLogLine, sweepOldLogs } from '../../src/runtime/process/log-files.ts';
import { streamLogs } from '../../src/runtime/process/log-reader.ts';

describe('splitLines', () => {
  const settings = { maxLineBytes: 8 };
  it('splits complete lines, keeps an unterminated rest, strips CR', () => {
    expect(splitLines(Buffer.from('ab\r\n\ncd\nef'), false, settings)).toEqual({
      lines: ['ab', '', 'cd'],
      bytes: 8,
    });
    expect(splitLines(Buffer.from('ab\nef'), true, settings)).toEqual({ lines: ['ab', 'ef'], bytes: 5 });
  });
  it('cuts lines longer than maxLineBytes', () => {
    expect(splitLines(Buffer.from('0123456789abcdefXY\n'), false, settings).lines).toEqual([
      '01234567',
      '89abcdef',
      'XY',
    ]);
    // An unterminated rest is cut in whole pieces, the remainder waits.
    expect(splitLines(Buffer.from('0123456789abcdefXY'), false, settings)).toEqual({
      lines: ['01234567', '89abcdef'],
      bytes: 16,
    });
  });
});

describe('log lines', () => {
  it('round-trips through the file format, any text included', () => {
    const text = formatLogLine(1_700_000_000_123, 'stderr', 'a  b stdout x');
    expect(parseLogLine(text.slice(0, -1), 'i1')).toEqual({
      at: 1_700_000_000_123,
      stream: 'stderr',
      line: 'a  b stdout x',
      instance: 'i1',
    });
    expect(parseLogLine('garbage', 'i1')).toBeUndefined();
  });
});

describe('log collector', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-logs-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const settings = { ...DEFAULT_LOG_SETTINGS, maxBytes: 1000, keepFiles: 2, spoolTruncateBytes: 100 };
  async function read(id: string, tailLines?: number): Promise<string[]> {
    const collector = createLogCollector(id, logPaths(dir, id), settings);
    const lines: string[] = [];
    for await (const l of streamLogs({
      instance: id,
      follow: false,
      tailLines,
      open: (f) => collector.snapshotAndFollow(f),
    }))
      lines.push(`${l.stream}:${l.line}`);
    collector.close(false);
    return lines;
  }

  it('collects both streams, truncates read spools, and resumes at the saved offsets', async () => {
    const paths = logPaths(dir, 'i1');
    const collector = createLogCollector('i1', paths, settings);
    const fds = collector.openSpoolWriters();
    fs.writeSync(fds.stdout, 'one\ntw');
    fs.writeSync(fds.stderr, 'err one\n');
    collector.collect();
    fs.writeSync(fds.stdout, 'o\n');
    collector.collect();
    expect(await read('i1')).toEqual(['stdout:one', 'stderr:err one', 'stdout:two']);

    // Past spoolTruncateBytes, a fully read spool is emptied; the O_APPEND writer carries on.
    fs.writeSync(fds.stdout, `${'x'.repeat(120)}\n`);
    collector.collect();
    expect(fs.statSync(paths.stdout).size).toBe(0);
    fs.writeSync(fds.stdout, 'after truncate\n');
    collector.close(false); // berthd goes away…
    fs.writeSync(fds.stdout, 'while away\n');
    const again = createLogCollector('i1', paths, settings); // …and comes back
    again.collect();
    again.close(false);
    const lines = await read('i1');
    expect(lines.slice(-2)).toEqual(['stdout:after truncate', 'stdout:while away']);
    expect(lines.filter((l) => l === 'stdout:one')).toHaveLength(1);
    fs.closeSync(fds.stdout);
    fs.closeSync(fds.stderr);
  });

  it('rotates past maxBytes, keeps keepFiles, and tails across files', async () => {
    const paths = logPaths(dir, 'i2');
    const collector = createLogCollector('i2', paths, settings);
    const fds = collector.openSpoolWriters();
    for (let i = 1; i <= 120; i++) {
      fs.writeSync(fds.stdout, `line ${String(i).padStart(3, '0')}\n`);
      if (i % 10 === 0) collector.collect();
    }
    collector.close(false);
    expect(fs.existsSync(paths.rotated(1))).toBe(true);
    expect(fs.existsSync(paths.rotated(2))).toBe(true);
    expect(fs.existsSync(paths.rotated(3))).toBe(false);
    const all = await read('i2');
    expect(all.at(-1)).toBe('stdout:line 120');
    expect(all.length).toBeLessThan(120);
    expect(await read('i2', 25)).toEqual(all.slice(-25));
    expect(await read('i2', 0)).toEqual([]);
    fs.closeSync(fds.stdout);
    fs.closeSync(fds.stderr);
  });

  it('hands new lines to followers after the snapshot, and ends them', async () => {
    const collector = createLogCollector('i3', logPaths(dir, 'i3'), settings);
    const fds = collector.openSpoolWriters();
    fs.writeSync(fds.stdout, 'before\n');
    const seen: LogLine[] = [];
    const following = (async () => {
      for await (const l of streamLogs({
        instance: 'i3',
        follow: true,
        open: (f) => collector.snapshotAndFollow(f),
      }))
        seen.push(l);
    })();
    await new Promise((r) => setTimeout(r, 20));
    fs.writeSync(fds.stderr, 'during\n');
    collector.collect();
    collector.end();
    await following;
    expect(seen.map((l) => `${l.stream}:${l.line}`)).toEqual(['stdout:before', 'stderr:during']);
    collector.close(true);
    expect(fs.existsSync(logPaths(dir, 'i3').stdout)).toBe(false);
    expect(fs.existsSync(logPaths(dir, 'i3').log)).toBe(true);
    fs.closeSync(fds.stdout);
    fs.closeSync(fds.stderr);
  });

  it('sweeps the logs of gone instances after the retention time only', () => {
    for (const name of ['old.log', 'old.log.1', 'old.stdout', 'live.log', 'recent.log', 'a.log.log']) {
      fs.writeFileSync(path.join(dir, name), 'x');
    }
    const past = new Date(Date.now() - 10 * 86_400_000);
    for (const name of ['old.log', 'old.log.1', 'old.stdout', 'live.log', 'a.log.log']) {
      fs.utimesSync(path.join(dir, name), past, past);
    }
    const removed = sweepOldLogs(dir, new Set(['live']), 7 * 86_400_000, Date.now());
    expect(removed.sort()).toEqual(['a.log', 'old']);
    expect(fs.readdirSync(dir).sort()).toEqual(['live.log', 'recent.log']);
  });
});
