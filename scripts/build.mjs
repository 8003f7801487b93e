// Compiles berthd into packages/server/dist/: plain ES modules that `node` runs without a
// TypeScript loader (`npm start` runs this first; it takes a few seconds, most of them `npm pack`
// of the CLI, whose package berthd serves from there).
//
// Why: under `node --import tsx`, every process carries tsx's loader thread and esbuild's API (about
// 25 MB and a few hundred milliseconds each), and every gateway worker pays it again. The bundle
// holds Berth's own code (server and sdk); npm packages stay external, loaded from node_modules as
// usual. Dynamic imports stay separate chunks, so what berthd loads lazily (the Docker runtime,
// the store clients) is still loaded only when configured. Tests and `npm run bench` helpers run
// the sources through tsx; nothing else differs.
//
// It also builds the web console (packages/console, Vite) into packages/console/dist, where berthd
// serves it from (BERTH_CONSOLE_DIR elsewhere); `--no-console` leaves the console as it is.
//
// Usage: node scripts/build.mjs [--outdir DIR] [--no-console]   (default packages/server/dist; DIR must lie inside
// the repository, where node_modules is found)
import { chmodSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packCli } from './pack-cli.mjs';

const require = createRequire(import.meta.url);
const esbuild = require('esbuild');

const serverDir = fileURLToPath(new URL('../packages/server/', import.meta.url));
const outArg = process.argv.indexOf('--outdir');
const outdir = outArg > 0 ? path.resolve(process.argv[outArg + 1] ?? '') : `${serverDir}dist`;

/** Every npm dependency of the server and the sdk stays external; workspace packages are bundled. */
function externals() {
  const names = new Set();
  for (const pkg of ['server', 'sdk']) {
    const manifest = JSON.parse(
      readFileSync(new URL(`../packages/${pkg}/package.json`, import.meta.url), 'utf8'),
    );
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      if (!name.startsWith('@berth/')) names.add(name);
    }
  }
  return [...names];
}

rmSync(outdir, { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: serverDir,
  entryPoints: { berthd: 'src/main.ts', 'gateway-worker': 'src/gateway-worker-main.ts' },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  external: externals(),
  sourcemap: 'linked',
  logLevel: 'warning',
});
if (result.errors.length > 0) process.exit(1);
// The CLI's npm package beside the bundle: berthd serves it at /downloads/berth-cli.tgz.
packCli(outdir);

// Code, not secrets: readable by everyone whatever the umask, so that gateway workers forked as an
// unprivileged user (GatewayClusterOptions.runAs) can load it.
function makeReadable(dir) {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) makeReadable(file);
    else if (entry.isFile()) chmodSync(file, 0o644);
  }
}
makeReadable(outdir);

if (!process.argv.includes('--no-console')) {
  const { build } = await import('vite');
  const consoleDir = fileURLToPath(new URL('../packages/console/', import.meta.url));
  await build({ configFile: path.join(consoleDir, 'vite.config.ts'), logLevel: 'warn' });
  makeReadable(path.join(consoleDir, 'dist'));
}
