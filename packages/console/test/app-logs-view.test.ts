// The logs tab's pure parts: the capped line buffer, the search highlight and the time windows.
import type { AppLogLine } from '@berth/sdk';
import { describe, expect, it } from 'vitest';
import { splitHighlight } from '../src/features/apps/tabs-b/highlight.ts';
import { appendLogLines, emptyLogBuffer, LOG_LINES_KEPT } from '../src/features/apps/tabs-b/log-buffer.ts';
import { isAtBottom, windowSince } from '../src/features/apps/tabs-b/log-window.ts';

const line = (text: string, at = 1000): AppLogLine => ({
  at,
  instance: 'web-1',
  process: 'web',
  stream: 'stdout',
  line: text,
});
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => line(`l${from + i}`));

describe('log buffer', () => {
  it('appends in order and gives every line its own key, also for repeated text', () => {
    let buffer = appendLogLines(emptyLogBuffer(), [line('same'), line('same')]);
    buffer = appendLogLines(buffer, [line('same')]);
    expect(buffer.lines.map((l) => l.line)).toEqual(['same', 'same', 'same']);
    expect(new Set(buffer.lines.map((l) => l.key)).size).toBe(3);
    expect(buffer.dropped).toBe(0);
  });

  it('drops the oldest lines beyond the cap and counts them', () => {
    let buffer = appendLogLines(emptyLogBuffer(), lines(0, 4), 5);
    buffer = appendLogLines(buffer, lines(4, 7), 5);
    expect(buffer.lines.map((l) => l.line)).toEqual(['l2', 'l3', 'l4', 'l5', 'l6']);
    expect(buffer.dropped).toBe(2);
  });

  it('keeps only the newest lines of a batch larger than the cap, with keys that never repeat', () => {
    const before = appendLogLines(emptyLogBuffer(), lines(0, 2), 3);
    const after = appendLogLines(before, lines(2, 10), 3);
    expect(after.lines.map((l) => l.line)).toEqual(['l7', 'l8', 'l9']);
    expect(after.dropped).toBe(7);
    const keys = [...before.lines, ...after.lines].map((l) => l.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(appendLogLines(after, [line('next')], 3).lines.at(-1)?.key).toBeGreaterThan(
      after.lines.at(-1)?.key ?? Number.POSITIVE_INFINITY,
    );
  });

  it('returns the same buffer for an empty batch, and caps at 5,000 by default', () => {
    const buffer = appendLogLines(emptyLogBuffer(), lines(0, 1));
    expect(appendLogLines(buffer, [])).toBe(buffer);
    const full = appendLogLines(emptyLogBuffer(), lines(0, LOG_LINES_KEPT + 10));
    expect(full.lines).toHaveLength(LOG_LINES_KEPT);
    expect(full.lines[0]?.line).toBe('l10');
  });
});

describe('search highlight', () => {
  const marked = (text: string, q: string) =>
    splitHighlight(text, q)
      .map((p) => (p.match ? `[${p.text}]` : p.text))
      .join('');

  it('marks every occurrence, at the start, middle and end', () => {
    expect(marked('error: disk error', 'error')).toBe('[error]: disk [error]');
    expect(marked('xxabxx', 'ab')).toBe('xx[ab]xx');
    expect(splitHighlight('abab', 'ab')).toEqual([
      { text: 'ab', match: true },
      { text: 'ab', match: true },
    ]);
  });

  it('is case-sensitive like the server filter and does not overlap matches', () => {
    expect(marked('Error error', 'error')).toBe('Error [error]');
    expect(marked('aaaa', 'aa')).toBe('[aa][aa]');
  });

  it('leaves text without a query or a match as one plain part', () => {
    expect(splitHighlight('plain', '')).toEqual([{ text: 'plain', match: false }]);
    expect(splitHighlight('plain', 'zzz')).toEqual([{ text: 'plain', match: false }]);
    expect(splitHighlight('', 'x')).toEqual([]);
  });
});

describe('log windows', () => {
  it('turns a window into a since, and "all" into none', () => {
    const now = Date.UTC(2026, 0, 2);
    expect(windowSince('10m', now)).toBe(now - 600_000);
    expect(windowSince('1h', now)).toBe(now - 3_600_000);
    expect(windowSince('1d', now)).toBe(now - 86_400_000);
    expect(windowSince('all', now)).toBeUndefined();
  });

  it('counts a view as at the bottom within the slack only', () => {
    expect(isAtBottom({ scrollTop: 600, scrollHeight: 1000, clientHeight: 400 })).toBe(true);
    expect(isAtBottom({ scrollTop: 590, scrollHeight: 1000, clientHeight: 400 })).toBe(true);
    expect(isAtBottom({ scrollTop: 500, scrollHeight: 1000, clientHeight: 400 })).toBe(false);
  });
});
