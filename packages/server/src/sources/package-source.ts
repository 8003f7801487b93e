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
      const sha256 = spec.sha256 ?? (await digestOf(file));
      return { type: 'package', sha256 };
    },
    async materialize(_app, spec, _origin, workDir, step) {
      const file = packageFile(dataDir, spec.id);
      step.log('-----> Unpacking the package');
      const unpacked = await unpackPackage(fs.createReadStream(file), workDir, { signal: step.signal });
      step.log(`       ${unpacked.files} files, ${unpacked.bytes} bytes`);
      return { kind: 'tree', ...unpacked };
    },
  };
}

async function digestOf(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  try {
    await pipeline(fs.createReadStream(file), hash);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BerthError('PACKAGE_INVALID', 'The package of this deploy is gone (its deploy ended before)');
    }
    throw err;
  }
  return hash.digest('hex');
}
