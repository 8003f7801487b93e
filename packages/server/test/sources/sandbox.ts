// A throw-away directory layout for unpack tests: `outer/work/app` is the destination, so a test can
// check that a refused package left nothing in `work` (no dest, no .partial-*) and nothing in `outer`
// beyond `work` (nothing escaped).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { isBerthError } from '../../src/errors.ts';
import { type UnpackLimits, type UnpackResult, unpackPackage } from '../../src/sources/index.ts';

export interface Sandbox {
  outer: string;
  work: string;
  dest: string;
  cleanup(): void;
}

export function sandbox(): Sandbox {
  const outer = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-unpack-'));
  const work = path.join(outer, 'work');
  fs.mkdirSync(work);
  return {
    outer,
    work,
    dest: path.join(work, 'app'),
    cleanup: () => fs.rmSync(outer, { recursive: true, force: true }),
  };
}

export type PackageInput = Buffer | Readable | Iterable<Buffer> | AsyncIterable<Buffer>;

export function toStream(input: PackageInput): Readable {
  if (input instanceof Readable) return input;
  if (Buffer.isBuffer(input)) return Readable.from([input], { objectMode: false });
  return Readable.from(input, { objectMode: false });
}

export function unpack(
  box: Sandbox,
  input: PackageInput,
  limits?: Partial<UnpackLimits>,
): Promise<UnpackResult> {
  return unpackPackage(toStream(input), box.dest, limits ? { limits } : {});
}

/** Unpacks, expects a refusal with `code`, and checks that nothing was left behind or escaped. */
export async function expectRefused(
  box: Sandbox,
  input: PackageInput,
  code: string,
  limits?: Partial<UnpackLimits>,
): Promise<void> {
  let caught: unknown;
  try {
    await unpack(box, input, limits);
  } catch (err) {
    caught = err;
  }
  expect(isBerthError(caught), `expected a BerthError, got ${String(caught)}`).toBe(true);
  expect((caught as { code: string }).code).toBe(code);
  expectNothingLeft(box);
}

export function expectNothingLeft(box: Sandbox): void {
  expect(fs.existsSync(box.dest)).toBe(false);
  expect(fs.readdirSync(box.work)).toEqual([]);
  expect(fs.readdirSync(box.outer)).toEqual(['work']);
}
