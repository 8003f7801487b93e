// berthd's entry point. It checks the Node.js version before loading anything else (an older Node
// would otherwise fail later on a missing built-in such as node:sqlite, with a less useful message),
// then runs berthd (run-berthd.ts).
import { nodeVersionProblem } from './node-version.ts';

const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  process.stderr.write(`berthd: ${problem}\n`);
  process.exit(1);
}
const { runBerthd } = await import('./run-berthd.ts');
await runBerthd();
