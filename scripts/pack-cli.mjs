// Packs `@berth/cli` with npm (`npm pack -w packages/cli`, whose `prepack` bundles it) into
// DIR/berth-cli.tgz: the file berthd serves at /downloads/berth-cli.tgz. scripts/build.mjs calls it
// for berthd's dist directory.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Runs npm with these arguments: the npm that runs this script (`npm start`), else the one on PATH. */
function npm(args) {
  const execPath = process.env.npm_execpath;
  return execPath?.endsWith('.js')
    ? spawnSync(process.execPath, [execPath, ...args], { cwd: ROOT, encoding: 'utf8' })
    : spawnSync('npm', args, { cwd: ROOT, encoding: 'utf8' });
}

/** Writes the CLI package to `dir/berth-cli.tgz`; returns its path. */
export function packCli(dir) {
  const scratch = mkdtempSync(path.join(dir, '.pack-'));
  try {
    const packed = npm([
      'pack',
      '-w',
      'packages/cli',
      '--pack-destination',
      scratch,
      '--json',
      '--loglevel=error',
    ]);
    if (packed.status !== 0)
      throw new Error(`npm pack -w packages/cli failed:\n${packed.stderr}${packed.stdout}`);
    const [{ filename }] = JSON.parse(packed.stdout);
    const target = path.join(dir, 'berth-cli.tgz');
    renameSync(path.join(scratch, path.basename(filename)), target);
    return target;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
