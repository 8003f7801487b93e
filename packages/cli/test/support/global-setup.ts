// Builds the `berth` bundle once per test run (scripts/build-cli.mjs into a temporary directory) and
// hands its path to the tests (`inject('berthCliBundle')`, read by ./cli.ts), so that tests which
// spawn `berth` run what users run, whatever packages/cli/dist holds.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The `berth` bundle built for this test run. */
    berthCliBundle: string;
  }
}

const BUILD_SCRIPT = fileURLToPath(new URL('../../../../scripts/build-cli.mjs', import.meta.url));

/** Builds the CLI bundle into `dir`; returns the bundle's path. */
export function buildCliBundle(dir: string): string {
  const outfile = path.join(dir, 'berth.mjs');
  const build = spawnSync(process.execPath, [BUILD_SCRIPT, '--outfile', outfile], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`scripts/build-cli.mjs failed: ${build.stderr}`);
  return outfile;
}

export default function setup(project: TestProject): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-bundle-'));
  project.provide('berthCliBundle', buildCliBundle(dir));
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
