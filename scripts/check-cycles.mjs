// Fails when any import cycle exists among the packages' source files.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const bin = require.resolve('dpdm/lib/bin/dpdm.js');
const entries = [
  'packages/server/src/**/*.ts',
  'packages/cli/src/**/*.ts',
  'packages/sdk/src/**/*.ts',
  'packages/console/src/**/*.ts',
  'packages/console/src/**/*.tsx',
];
const result = spawnSync(
  process.execPath,
  [bin, '--no-warning', '--no-tree', '--transform', '--exit-code', 'circular:1', ...entries],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
