// Uploaded packages as a source: the upload is kept as `{dataDir}/packages/{deployId}.tar.gz` until
// its deploy ends; its identity is the SHA-256 of its bytes (computed while it was received).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BerthError } from '../errors.ts';
import type { SourceKind } from './sources.ts';
import { unpackPackage } from './unpack-package.ts';

export function packageFile(dataDir: string, deployId: string): string {
  return path.join(dataDir, 'packages', `${deployId}.tar.gz`);
}

export function packageSource(dataDir: string): SourceKind<'package'> {
  return {
    async resolve(_app, spec) {
      const file = packageFile(dataDir, spec.id);
      // Deploys made before packages had a recorded digest: it is computed from the file.
      const sha256 = spec.sha256 ?? (await digestOf(file, spec.at));
      return { type: 'package', sha256 };
    },
    async materialize(_app, spec, _origin, workDir, step) {
      const file = packageFile(dataDir, spec.id);
      // Opened first: a missing upload is a deploy's error, not an unhandled stream error.
      const handle = await fs.promises.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') throw packageGone(spec.at);
        throw err;
      });
      step.log('-----> Unpacking the package');
      const unpacked = await unpackPackage(handle.createReadStream(), workDir, { signal: step.signal });
      step.log(`       ${unpacked.files} files, ${unpacked.bytes} bytes`);
      return { kind: 'tree', ...unpacked };
    },
  };
}

async function digestOf(file: string, at: string | undefined): Promise<string> {
  const hash = crypto.createHash('sha256');
  try {
    await pipeline(fs.createReadStream(file), hash);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw packageGone(at);
    }
    throw err;
  }
  return hash.digest('hex');
}

/** The upload is not in this data dir: its deploy ended before, or another replica received it. */
function packageGone(at: string | undefined): BerthError {
  return new BerthError(
    'PACKAGE_INVALID',
    at === undefined
      ? 'The package of this deploy is gone (its deploy ended before)'
      : 'The package of this deploy is gone: the berthd replica that received it is gone, or its deploy ended before',
  );
}
