// The builders berthd knows, in detection order, with the build tools they use.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.ts';
import type { Builder, BuildTools } from './builder.ts';
import { createCustomBuilder } from './custom/custom-builder.ts';
import { createNodeBuilder } from './node/node-builder.ts';
import { createPythonBuilder } from './python/python-builder.ts';
import { createStaticBuilder } from './static/static-builder.ts';

export interface BuildersDeps {
  logger: Logger;
  tools?: Partial<BuildTools>;
}

/** The system's npm: the Node.js package from npm (berthd's own node) ships no npm of its own. */
const SYSTEM_NPM = '/usr/bin/npm';

export function resolveTools(tools: Partial<BuildTools> = {}): BuildTools {
  // berthd's own Node.js (24 under `npm start`): apps build on the Node.js they run on.
  const node = tools.node ?? process.execPath;
  const besideNode = path.join(path.dirname(node), 'npm');
  return {
    node,
    npm: tools.npm ?? (fs.existsSync(besideNode) ? besideNode : SYSTEM_NPM),
    python: tools.python ?? '/usr/bin/python3',
  };
}

export function createBuilders(deps: BuildersDeps): Builder[] {
  const tools = resolveTools(deps.tools);
  deps.logger.child({ mod: 'build' }).debug({ tools }, 'builders ready');
  return [
    createNodeBuilder(tools),
    createPythonBuilder(tools),
    createStaticBuilder(tools),
    createCustomBuilder(),
  ];
}
