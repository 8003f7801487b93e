// Fails when a server module imports across a boundary boundaries.mjs draws.
import path from 'node:path';
import { checkBoundaries } from './boundaries.mjs';

const problems = checkBoundaries(path.join(import.meta.dirname, '..', 'packages', 'server', 'src'));
for (const problem of problems) process.stderr.write(`${problem}\n`);
if (problems.length > 0) {
  process.stderr.write(`${problems.length} import(s) across a module boundary (scripts/boundaries.mjs)\n`);
  process.exit(1);
}
process.stdout.write('module boundaries: no import crosses one\n');
