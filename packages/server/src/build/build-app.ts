// The one wrapper around every builder: pick it, copy the source into the artifact, hand the artifact
// to the app's user, give the build a scratch directory and a time limit, and leave nothing behind
// when it fails (the output directory is removed; the source tree is never touched).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BerthError } from '../errors.ts';
import { type BuildContext, type Builder, type BuildResult, DEFAULT_BUILD_TIMEOUT_MS } from './builder.ts';
import { checkOutputDir, chownTree, copySource } from './copy-source.ts';

export async function pickBuilder(builders: readonly Builder[], ctx: BuildContext): Promise<Builder> {
  const named = builders.find((b) => b.name === ctx.manifest.runtime);
  if (named) return named;
  for (const builder of builders) {
    if (await builder.detect(ctx.sourceDir, ctx.manifest)) return builder;
  }
  throw new BerthError('APP_UNDETECTABLE', `No builder for runtime "${ctx.manifest.runtime}"`);
}

export async function buildApp(builders: readonly Builder[], ctx: BuildContext): Promise<BuildResult> {
  ctx.signal.throwIfAborted();
  const builder = await pickBuilder(builders, ctx);
  await checkOutputDir(ctx.sourceDir, ctx.outDir);
  const timeoutMs = ctx.timeoutMs ?? DEFAULT_BUILD_TIMEOUT_MS;
  const timeout = new AbortController();
  const timer = setTimeout(
    () =>
      timeout.abort(new BerthError('BUILD_TIMEOUT', `The build took longer than ${describeMs(timeoutMs)}`)),
    timeoutMs,
  );
  timer.unref();
  const signal = AbortSignal.any([ctx.signal, timeout.signal]);
  const cacheDir = await fs.mkdtemp(path.join(ctx.scratchDir ?? os.tmpdir(), 'berth-build-cache-'));
  let ok = false;
  try {
    ctx.log(`-----> Copying the source (${builder.name} build)`);
    await copySource(ctx.sourceDir, ctx.outDir);
    if (ctx.user) {
      await chownTree(ctx.outDir, ctx.user.uid, ctx.user.gid);
      await fs.chown(cacheDir, ctx.user.uid, ctx.user.gid);
    }
    signal.throwIfAborted();
    const result = await builder.build({ ...ctx, signal, cacheDir });
    signal.throwIfAborted();
    ok = true;
    ctx.log(`-----> Build finished (${result.runtime})`);
    return result;
  } catch (err) {
    throw signal.aborted && !(err instanceof BerthError) ? signal.reason : err;
  } finally {
    clearTimeout(timer);
    await fs.rm(cacheDir, { recursive: true, force: true });
    if (!ok) await fs.rm(ctx.outDir, { recursive: true, force: true });
  }
}

function describeMs(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  if (ms >= 1000 && ms % 1000 === 0) return `${ms / 1000} second${ms === 1000 ? '' : 's'}`;
  return `${ms} ms`;
}
