// Throw-away source trees for manifest and build tests: real directories under the OS temp dir.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { isBerthError } from '../../src/errors.ts';

export interface Tree {
  dir: string;
  write(files: Record<string, string>): void;
  cleanup(): void;
}

/** A temp directory holding `files` (relative path → content; parents are created). */
export function tree(files: Record<string, string> = {}): Tree {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-tree-'));
  const write = (more: Record<string, string>) => {
    for (const [name, content] of Object.entries(more)) {
      const full = path.join(dir, name);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, content);
    }
  };
  write(files);
  return { dir, write, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Awaits `promise`, expects a BerthError with `code`, and returns it. */
export async function expectCode(
  promise: Promise<unknown>,
  code: string,
): Promise<{ code: string; message: string; details: unknown }> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(isBerthError(caught), `expected a BerthError ${code}, got ${String(caught)}`).toBe(true);
  const err = caught as { code: string; message: string; details: unknown };
  expect(err.code, err.message).toBe(code);
  return err;
}
