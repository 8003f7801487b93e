// Rotation of the logs nginx writes in berthd's prefix: which logs are due, the shift of the rotated
// ones (the oldest beyond `keep` removed), and missing files skipped.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { logsDue, rotateLog } from '../../../src/gateway/nginx/log-rotation.ts';

describe('nginx log rotation', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const dir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-rotate-'));
    dirs.push(d);
    return d;
  };

  it('finds the logs that reached their limit, not the smaller or missing ones', () => {
    const d = dir();
    fs.writeFileSync(path.join(d, 'big'), 'x'.repeat(100));
    fs.writeFileSync(path.join(d, 'exact'), 'x'.repeat(64));
    fs.writeFileSync(path.join(d, 'small'), 'x'.repeat(63));
    const files = ['big', 'exact', 'small', 'missing'].map((f) => path.join(d, f));
    expect(logsDue(files, { maxBytes: 64, keep: 2 })).toEqual([files[0], files[1]]);
  });

  it('shifts the rotated logs up by one and removes the one beyond keep', () => {
    const d = dir();
    const log = path.join(d, 'access.json');
    const settings = { maxBytes: 1, keep: 2 };
    for (const generation of ['a', 'b', 'c', 'd']) {
      fs.writeFileSync(log, generation);
      rotateLog(log, settings);
      expect(fs.existsSync(log)).toBe(false);
    }
    expect(fs.readdirSync(d).sort()).toEqual(['access.json.1', 'access.json.2']);
    expect(fs.readFileSync(`${log}.1`, 'utf8')).toBe('d');
    expect(fs.readFileSync(`${log}.2`, 'utf8')).toBe('c');
  });

  it('skips what is not there, and refuses to keep none', () => {
    const d = dir();
    const log = path.join(d, 'error.log');
    rotateLog(log, { maxBytes: 1, keep: 3 });
    expect(fs.readdirSync(d)).toEqual([]);
    fs.writeFileSync(`${log}.2`, 'old');
    fs.writeFileSync(log, 'new');
    rotateLog(log, { maxBytes: 1, keep: 3 });
    expect(fs.readdirSync(d).sort()).toEqual(['error.log.1', 'error.log.3']);
    expect(() => rotateLog(log, { maxBytes: 1, keep: 0 })).toThrow(/keep/);
  });
});
