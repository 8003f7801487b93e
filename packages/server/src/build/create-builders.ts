// The builders berthd knows, in detection order, with the build tools they use.
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

export function resolveTools(tools: Partial<BuildTools> = {}): BuildTools {
  const node = tools.node ?? '/usr/bin/node';
  return {
    node,
    npm: tools.npm ?? path.join(path.dirname(node), 'npm'),
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
