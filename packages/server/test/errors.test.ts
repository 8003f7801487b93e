// The catalogue and docs/errors.md must list the same codes with the same statuses.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BerthError, ERRORS } from '../src/errors.ts';

const doc = fs.readFileSync(path.join(import.meta.dirname, '../../../docs/errors.md'), 'utf8');
const documented = new Map<string, number>();
for (const line of doc.split('\n')) {
  const m = /^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|/.exec(line);
  if (m) documented.set(m[1]!, Number(m[2]));
}

describe('error catalogue', () => {
  it('documents every code with its status in docs/errors.md', () => {
    const missing = Object.keys(ERRORS).filter((code) => !documented.has(code));
    expect(missing).toEqual([]);
    for (const [code, entry] of Object.entries(ERRORS))
      expect([code, documented.get(code)]).toEqual([code, entry.status]);
  });

  it('documents no code that does not exist', () => {
    const stale = [...documented.keys()].filter((code) => !(code in ERRORS));
    expect(stale).toEqual([]);
  });

  it('uses SCREAMING_SNAKE codes and valid HTTP error statuses', () => {
    for (const [code, entry] of Object.entries(ERRORS)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.status).toBeLessThan(600);
      expect(entry.message.length).toBeGreaterThan(5);
    }
  });

  it('BerthError carries the code, status and default message', () => {
    const err = new BerthError('APP_NOT_FOUND');
    expect(err.status).toBe(404);
    expect(err.message).toBe(ERRORS.APP_NOT_FOUND.message);
    expect(new BerthError('APP_NOT_FOUND', 'No app "x"').message).toBe('No app "x"');
  });
});
