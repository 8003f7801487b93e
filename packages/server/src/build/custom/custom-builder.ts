// Runtimes Berth knows nothing about: the artifact is the source plus whatever the manifest's build
// command makes of it; the processes run as declared.
import path from 'node:path';
import { buildSteps } from '../build-steps.ts';
import type { Builder } from '../builder.ts';

export function createCustomBuilder(): Builder {
  return {
    name: 'custom',
    detect: (_sourceDir, manifest) =>
      manifest.build !== undefined || Object.keys(manifest.processes).length > 0,
    async build(ctx) {
      const dir = path.join(ctx.outDir, ctx.manifest.appDir);
      if (ctx.manifest.build) {
        ctx.log('-----> Running the build command');
        await buildSteps(ctx, { dir, pathPrepend: [], toolDirs: [] }).run(ctx.manifest.build);
      } else {
        ctx.log('-----> No build command: the artifact is the source as uploaded');
      }
      return {
        artifactDir: dir,
        runtime: 'custom',
        processes: ctx.manifest.processes,
        ...(ctx.manifest.release ? { release: ctx.manifest.release } : {}),
        pathPrepend: [],
      };
    },
  };
}
