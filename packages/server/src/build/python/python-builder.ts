// Python apps: a virtualenv inside the artifact made by the system's python3 (readable by the app's
// own Unix user, unlike a pyenv under /root), requirements.txt installed into it, offline from the
// vendored packages when the app ships them (BlueKing's pkgs/), then the build command.
// Instances get venv/bin first on their PATH, so `python` and `gunicorn` are the venv's.
import fs from 'node:fs/promises';
import path from 'node:path';
import { exists, readTextFile, resolveInside } from '../../manifest/index.ts';
import { buildSteps } from '../build-steps.ts';
import type { Builder, BuildTools } from '../builder.ts';

const ENTRY_FILES = ['requirements.txt', 'app.py', 'main.py', 'wsgi.py'];

export function createPythonBuilder(tools: BuildTools): Builder {
  return {
    name: 'python',
    async detect(sourceDir, manifest) {
      const dir = path.join(sourceDir, manifest.appDir);
      for (const file of ENTRY_FILES) if (await exists(dir, file)) return true;
      return false;
    },
    async build(ctx) {
      const dir = path.join(ctx.outDir, ctx.manifest.appDir);
      const pathPrepend = ['venv/bin'];
      const steps = buildSteps(ctx, {
        dir,
        pathPrepend,
        toolDirs: [path.dirname(tools.python)],
        toolEnv: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PIP_NO_CACHE_DIR: '1' },
      });

      if (await resolveInside(dir, 'venv')) {
        ctx.log('-----> Removing the uploaded venv/ (a virtualenv only works where it was made)');
        await fs.rm(path.join(dir, 'venv'), { recursive: true, force: true });
      }
      const requirements = await readTextFile(dir, 'requirements.txt', 1024 * 1024);
      const needsInstall = requirements !== undefined && hasRequirements(requirements);

      ctx.log('-----> Creating the virtualenv');
      await steps.run([tools.python, '-m', 'venv', ...(needsInstall ? [] : ['--without-pip']), 'venv']);

      if (needsInstall) {
        const vendor = await vendorDirectory(ctx.outDir, dir, ctx.manifest.vendorDir);
        const pip = [path.join(dir, 'venv/bin/python'), '-m', 'pip', 'install'];
        if (vendor) {
          ctx.log(`-----> Installing requirements offline from ${path.relative(ctx.outDir, vendor) || '.'}/`);
          await steps.run([...pip, '--no-index', '--find-links', vendor, '-r', 'requirements.txt']);
        } else {
          ctx.log('-----> Installing requirements');
          await steps.run([...pip, '-r', 'requirements.txt']);
        }
      } else {
        ctx.log('-----> No requirements to install');
      }

      if (ctx.manifest.build) {
        ctx.log('-----> Running the build command');
        await steps.run(ctx.manifest.build);
      }
      return {
        artifactDir: dir,
        runtime: 'python',
        processes: ctx.manifest.processes,
        ...(ctx.manifest.release ? { release: ctx.manifest.release } : {}),
        pathPrepend,
      };
    },
  };
}

/** Whether requirements.txt asks for anything (not only comments and blank lines). */
export function hasRequirements(text: string): boolean {
  return text.split(/\r?\n/).some((line) => {
    const t = line.trim();
    return t !== '' && !t.startsWith('#');
  });
}

/** The vendored packages: the manifest's (BlueKing pkgs/ at the source root), else `pkgs/` in the app. */
async function vendorDirectory(
  outDir: string,
  appDir: string,
  declared: string | undefined,
): Promise<string | undefined> {
  if (declared !== undefined) return resolveInside(outDir, declared);
  return resolveInside(appDir, 'pkgs');
}
