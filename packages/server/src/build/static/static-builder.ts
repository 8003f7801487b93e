// Static sites: nothing runs; the platform serves the files. An optional build command (with npm
// dependencies installed first when there is a package.json) may generate the site; the served root
// and index must then exist inside the artifact.
import fs from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_STATIC, exists, manifestInvalid, resolveInside } from '../../manifest/index.ts';
import { buildSteps } from '../build-steps.ts';
import type { Builder, BuildTools } from '../builder.ts';
import { installNodeModules, npmEnv, pruneDevDependencies } from '../node/install-node-modules.ts';

export function createStaticBuilder(tools: BuildTools): Builder {
  return {
    name: 'static',
    detect: (sourceDir, manifest) => exists(path.join(sourceDir, manifest.appDir), 'index.html'),
    async build(ctx) {
      const dir = path.join(ctx.outDir, ctx.manifest.appDir);
      if (ctx.manifest.build) {
        const steps = buildSteps(ctx, {
          dir,
          pathPrepend: ['node_modules/.bin'],
          toolDirs: [path.dirname(tools.node)],
          toolEnv: npmEnv(ctx),
        });
        let withDev = false;
        if (await exists(dir, 'package.json')) withDev = await installNodeModules(ctx, dir, steps, tools);
        ctx.log('-----> Running the build command');
        await steps.run(ctx.manifest.build);
        if (withDev) await pruneDevDependencies(ctx, steps, tools);
      }
      const site = ctx.manifest.static ?? { ...DEFAULT_STATIC };
      const origin = { file: ctx.manifest.source === 'berth.yaml' ? 'berth.yaml' : 'the app' };
      const root = await resolveInside(dir, site.root);
      if (root === undefined || !(await fs.stat(root)).isDirectory()) {
        throw manifestInvalid(origin, ['static', 'root'], `"${site.root}" is not a directory inside the app`);
      }
      const index = await resolveInside(root, site.index);
      if (index === undefined || !(await fs.stat(index)).isFile()) {
        throw manifestInvalid(origin, ['static', 'index'], `"${site.index}" is not a file in ${site.root}`);
      }
      ctx.log(
        `-----> Serving ${site.root === '.' ? 'the app directory' : `${site.root}/`} (index ${site.index})`,
      );
      return { artifactDir: dir, runtime: 'static', processes: {}, static: { ...site } };
    },
  };
}
