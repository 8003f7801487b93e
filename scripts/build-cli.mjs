// Bundles the `berth` command into one ES module, packages/cli/dist/berth.mjs: the CLI, the sdk and
// their npm dependencies (tar, ignore, typebox) in a single file that needs nothing from
// node_modules and no TypeScript loader, so that `berth` starts fast (goal: < 200 ms) and
// `npm pack -w packages/cli` gives a package that installs without a registry.
//
// Run by `npm ci` (the root's `prepare`), `npm pack` (the CLI's `prepack`, so also `npm start`:
// scripts/build.mjs packs the CLI) and `npm run berth` (its `preberth`); tests build their own copy
// (packages/cli/test/support/global-setup.ts).
//
// Usage: node scripts/build-cli.mjs [--outfile FILE]   (default packages/cli/dist/berth.mjs)
import { chmodSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const esbuild = require('esbuild');

const cliDir = fileURLToPath(new URL('../packages/cli/', import.meta.url));
const outArg = process.argv.indexOf('--outfile');
const outfile =
  outArg > 0 ? path.resolve(process.argv[outArg + 1] ?? '') : path.join(cliDir, 'dist/berth.mjs');

// The CLI runs on workstations, whose Node.js is not berthd's: the bundle targets the oldest
// version the CLI's package.json accepts (engines.node, e.g. ">=20.6" → node20.6).
const manifest = JSON.parse(readFileSync(path.join(cliDir, 'package.json'), 'utf8'));
const oldest = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(manifest.engines?.node ?? '');
if (!oldest) throw new Error('packages/cli/package.json: engines.node must read ">=MAJOR[.MINOR]"');

const result = await esbuild.build({
  absWorkingDir: cliDir,
  entryPoints: ['src/main.ts'],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: `node${oldest[1]}`,
  // CommonJS dependencies bundled into an ES module still find Node's built-ins through require().
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __berthRequire } from 'node:module';\nconst require = __berthRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
if (result.errors.length > 0) process.exit(1);
// The bin of the package: executable, and readable by everyone whatever the umask.
chmodSync(outfile, 0o755);
