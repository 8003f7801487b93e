// Installs a Node.js app's dependencies in the artifact: a vendored node_modules is used as it is;
// otherwise `npm ci` from the lockfile. Without a lockfile the build fails: installs must be
// reproducible, and `npm install` would pick whatever versions are newest today.
import path from 'node:path';
import { BerthError } from '../../errors.ts';
import { readPackageJson, resolveInside } from '../../manifest/index.ts';
import type { BuildSteps } from '../build-steps.ts';
import type { BuildContext, BuildTools } from '../builder.ts';

export const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];

/** Node tool settings for build steps: caches outside the artifact, no nagging. */
export function npmEnv(ctx: BuildContext): Record<string, string> {
  return {
    ...(ctx.cacheDir ? { npm_config_cache: path.join(ctx.cacheDir, 'npm') } : {}),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
}

/**
 * Returns true when `npm ci` ran with dev dependencies included (for the build command), so the
 * caller prunes them afterwards.
 */
export async function installNodeModules(
  ctx: BuildContext,
  dir: string,
  steps: BuildSteps,
  tools: BuildTools,
): Promise<boolean> {
  if (await resolveInside(dir, 'node_modules')) {
    ctx.log('-----> Using the vendored node_modules');
    return false;
  }
  const pkg = await readPackageJson(dir);
  const hasDependencies = ['dependencies', 'devDependencies', 'optionalDependencies'].some((key) => {
    const deps = pkg[key];
    return typeof deps === 'object' && deps !== null && Object.keys(deps).length > 0;
  });
  if (!hasDependencies) {
    ctx.log('-----> No dependencies to install');
    return false;
  }
  let lockfile: string | undefined;
  for (const name of LOCKFILES) if (!lockfile && (await resolveInside(dir, name))) lockfile = name;
  if (!lockfile) {
    throw new BerthError(
      'BUILD_FAILED',
      'package.json lists dependencies but there is no package-lock.json: run `npm install` and add ' +
        'package-lock.json to the app (or ship node_modules with it)',
      { command: null, exitCode: null, tail: [] },
    );
  }
  const withDev = ctx.manifest.build !== undefined;
  ctx.log(
    `-----> Installing dependencies from ${lockfile}${withDev ? ' (with dev dependencies for the build)' : ''}`,
  );
  await steps.run([tools.npm, 'ci', '--no-audit', '--no-fund', ...(withDev ? ['--include=dev'] : [])]);
  return withDev;
}

export async function pruneDevDependencies(
  ctx: BuildContext,
  steps: BuildSteps,
  tools: BuildTools,
): Promise<void> {
  ctx.log('-----> Removing dev dependencies');
  await steps.run([tools.npm, 'prune', '--omit=dev', '--no-audit', '--no-fund']);
}
