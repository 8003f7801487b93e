// The catalogue, the SDK's list of codes and docs/errors.md must list the same codes (the doc with the
// same statuses).
import fs from 'node:fs';
import path from 'node:path';
import { ERROR_CODES } from '@berth/sdk';
import { describe, expect, it } from 'vitest';
import { ASYNC_ERROR_CODES, asyncErrorCode, BerthError, ERRORS } from '../src/errors.ts';

const doc = fs.readFileSync(path.join(import.meta.dirname, '../../../docs/errors.md'), 'utf8');
const documented = new Map<string, number>();
const documentedAsync = new Set<string>();
for (const line of doc.split('\n')) {
  const m = /^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|( \*\(async\)\*)?/.exec(line);
  if (m) documented.set(m[1]!, Number(m[2]));
  if (m?.[3]) documentedAsync.add(m[1]!);
}

describe("the SDK's error codes", () => {
  it("are exactly the catalogue's, each once", () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(ERRORS).sort());
  });
});

/** Source files of the code a deploy job runs (not its HTTP routes or request-time service). */
function deployJobSources(): string[] {
  const src = path.join(import.meta.dirname, '../src');
  const files: string[] = [];
  for (const dir of ['build', 'manifest', 'sources', 'runtime', 'images', 'engine']) {
    for (const entry of fs.readdirSync(path.join(src, dir), { recursive: true, encoding: 'utf8' })) {
      if (!entry.endsWith('.ts') || /(routes|service|stream-limit|app-logs)\.ts$/.test(entry)) continue;
      files.push(fs.readFileSync(path.join(src, dir, entry), 'utf8'));
    }
  }
  return files;
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

  it('marks in docs/errors.md exactly the codes that may arrive asynchronously', () => {
    expect([...documentedAsync].sort()).toEqual([...ASYNC_ERROR_CODES].sort());
  });

  it('marks async every code a deploy job raises, so a failed deploy carries it', () => {
    const raised = new Set<string>();
    for (const text of deployJobSources()) {
      for (const m of text.matchAll(
        /(?:new BerthError|new DeployFailure\([^)]*?,)\(?\s*'([A-Z][A-Z0-9_]+)'/g,
      )) {
        raised.add(m[1]!);
      }
    }
    expect(raised.size).toBeGreaterThan(10);
    const unmarked = [...raised].filter((code) => !(ASYNC_ERROR_CODES as readonly string[]).includes(code));
    // Raised by the engine only while a request is answered (never inside a deploy job).
    const requestOnly = [
      'DEPLOY_NOT_FOUND',
      'ENV_NOT_FOUND',
      'IDEMPOTENCY_KEY_REUSED',
      'JOB_NOT_CANCELLABLE',
      'LOG_STREAMS_LIMIT',
    ];
    expect(unmarked.filter((code) => !requestOnly.includes(code))).toEqual([]);
  });

  it('records a failure with its own code only when that code may arrive asynchronously', () => {
    expect(asyncErrorCode(new BerthError('INSTANCE_CRASHED'), 'DEPLOY_FAILED')).toBe('INSTANCE_CRASHED');
    expect(asyncErrorCode(new BerthError('FORBIDDEN'), 'DEPLOY_FAILED')).toBe('DEPLOY_FAILED');
    expect(asyncErrorCode(new Error('boom'), 'JOB_FAILED')).toBe('JOB_FAILED');
    expect(asyncErrorCode({ code: 'ENOENT' }, 'JOB_FAILED')).toBe('JOB_FAILED');
  });
});
