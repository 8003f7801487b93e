// A `build` deploy's first half: unpack the uploaded package, read its manifest and build it into
// `{dataDir}/releases/{code}/{env}/v{n}` as the app's user. The build output goes to the deploy log.
import fs from 'node:fs';
import path from 'node:path';
import { buildApp } from '../build/index.ts';
import { loadManifest } from '../manifest/index.ts';
import { lockDownDataDir } from '../runtime/process/app-dirs.ts';
import { unpackPackage } from '../sources/index.ts';
import type { EngineContext } from './engine-deps.ts';
import type { ReleaseBuild } from './release-build.ts';

export function packagePath(dataDir: string, deployId: string): string {
  return path.join(dataDir, 'packages', `${deployId}.tar.gz`);
}

export function releaseDir(dataDir: string, app: string, env: string, version: number): string {
  return path.join(dataDir, 'releases', app, env, `v${version}`);
}

export interface BuiltRelease {
  outDir: string;
  artifactDir: string;
  build: ReleaseBuild;
}

export async function buildRelease(
  ctx: EngineContext,
  o: {
    deployId: string;
    app: string;
    env: string;
    version: number;
    config: Record<string, string>;
    log: (line: string) => void;
    signal: AbortSignal;
  },
): Promise<BuiltRelease> {
  const { dataDir } = ctx.settings;
  const work = path.join(dataDir, 'tmp', o.deployId);
  const outDir = releaseDir(dataDir, o.app, o.env, o.version);
  await fs.promises.rm(work, { recursive: true, force: true });
  await fs.promises.rm(outDir, { recursive: true, force: true });
  await fs.promises.mkdir(path.dirname(work), { recursive: true, mode: 0o700 });
  await fs.promises.mkdir(path.dirname(outDir), { recursive: true, mode: 0o700 });
  try {
    o.log('-----> Unpacking the package');
    const unpacked = await unpackPackage(fs.createReadStream(packagePath(dataDir, o.deployId)), work, {
      signal: o.signal,
    });
    o.log(`       ${unpacked.files} files, ${unpacked.bytes} bytes`);
    const manifest = await loadManifest(unpacked.root);
    o.log(`-----> ${manifest.runtime} app (from ${manifest.source})`);
    const user = ctx.appUser ? await ctx.appUser(o.app) : undefined;
    // The app's user builds in its release directory: it must be able to reach it.
    if (user) lockDownDataDir(dataDir, [outDir]);
    const result = await buildApp(ctx.builders, {
      sourceDir: unpacked.root,
      outDir,
      manifest,
      env: { ...manifest.env, ...o.config },
      log: o.log,
      signal: o.signal,
      ...(user ? { user } : {}),
    });
    const build: ReleaseBuild = {
      runtime: result.runtime,
      processes: result.processes,
      ...(result.release ? { release: result.release } : {}),
      // The static root is relative to the artifact dir.
      ...(result.static ? { static: { ...result.static } } : {}),
      ...(result.pathPrepend ? { pathPrepend: result.pathPrepend } : {}),
      env: manifest.env,
      health: manifest.health,
      resources: manifest.resources,
    };
    return { outDir, artifactDir: result.artifactDir, build };
  } finally {
    await fs.promises.rm(work, { recursive: true, force: true });
  }
}
