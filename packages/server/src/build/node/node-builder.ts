// Node.js apps: dependencies (vendored node_modules, or npm ci from the lockfile), then the build
// command, then dev dependencies pruned. Instances get node_modules/.bin on their PATH.
import path from 'node:path';
import { exists } from '../../manifest/index.ts';
import { buildSteps } from '../build-steps.ts';
import type { Builder, BuildTools } from '../builder.ts';
import { installNodeModules, npmEnv, pruneDevDependencies } from './install-node-modules.ts';

export function createNodeBuilder(tools: BuildTools): Builder {
  return {
    name: 'node',
    detect: (sourceDir, manifest) => exists(path.join(sourceDir, manifest.appDir), 'package.json'),
    async build(ctx) {
      const dir = path.join(ctx.outDir, ctx.manifest.appDir);
      const pathPrepend = ['node_modules/.bin'];
      const steps = buildSteps(ctx, {
        dir,
        pathPrepend,
        toolDirs: [path.dirname(tools.node)],
        toolEnv: npmEnv(ctx),
      });
      const withDev = await installNodeModules(ctx, dir, steps, tools);
      if (ctx.manifest.build) {
        ctx.log('-----> Running the build command');
        await steps.run(ctx.manifest.build);
      }
      if (withDev) await pruneDevDependencies(ctx, steps, tools);
      return {
        artifactDir: dir,
        runtime: 'node',
        processes: ctx.manifest.processes,
        ...(ctx.manifest.release ? { release: ctx.manifest.release } : {}),
        pathPrepend,
      };
    },
  };
}
