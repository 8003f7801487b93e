// The build tools as a build container sees them. The stack images hold node (stack-node) and
// python3 (stack-python) but no npm: the host's npm (a pure JavaScript package, the one the host
// builds with) is mounted read-only into the container and run by the image's node. The host's CA
// bundle is mounted too, so the build trusts the registries the host trusts (a site's TLS proxy
// included); the stack images have no CA certificates of their own. berth/stack-python has Debian's
// python3 without python3-venv, so `python3 -m venv` would fail for want of ensurepip: the host's
// (Debian 12, the same Python 3.11) ensurepip module and the pip/setuptools wheels it installs from
// are mounted read-only where Debian's python3 looks for them.
import fs from 'node:fs';
import path from 'node:path';
import type { BuildTools } from '../builder.ts';
import { resolveTools } from '../create-builders.ts';

/** Where the host's npm package appears inside a build container. */
export const CONTAINER_NPM_DIR = '/usr/local/lib/berth-npm';

/** Debian's ensurepip for the stack's Python and the wheels it installs (python3.11-venv, python3-pip-whl). */
export const PYTHON_VENV_PATHS = ['/usr/lib/python3.11/ensurepip', '/usr/share/python-wheels'];

/** The host's CA bundle (Debian's ca-certificates) and where build containers see it. */
export const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export interface ContainerTools {
  tools: BuildTools;
  mounts: Array<{ source: string; target: string }>;
  /** Tool settings for every step (the step's own environment wins). */
  env: Record<string, string>;
}

/** The container's tools; `hostNpm` is the host's npm command (default: resolveTools' npm). */
export function containerTools(
  hostNpm: string = resolveTools().npm,
  caBundle: string = HOST_CA_BUNDLE,
): ContainerTools {
  const mounts: ContainerTools['mounts'] = [];
  const env: Record<string, string> = {};
  const npmPackage = npmPackageDir(hostNpm);
  if (npmPackage) mounts.push({ source: npmPackage, target: CONTAINER_NPM_DIR });
  for (const dir of PYTHON_VENV_PATHS) if (fs.existsSync(dir)) mounts.push({ source: dir, target: dir });
  if (fs.existsSync(caBundle)) {
    mounts.push({ source: fs.realpathSync(caBundle), target: HOST_CA_BUNDLE });
    env['NODE_EXTRA_CA_CERTS'] = HOST_CA_BUNDLE;
    env['SSL_CERT_FILE'] = HOST_CA_BUNDLE;
    env['PIP_CERT'] = HOST_CA_BUNDLE;
  }
  return {
    env,
    tools: {
      node: '/usr/local/bin/node',
      npm: path.posix.join(CONTAINER_NPM_DIR, 'bin', 'npm-cli.js'),
      python: '/usr/bin/python3',
    },
    mounts,
  };
}

/** The npm package directory behind an npm command (…/node_modules/npm), if it is one. */
export function npmPackageDir(npmCommand: string): string | undefined {
  let real: string;
  try {
    real = fs.realpathSync(npmCommand);
  } catch {
    return undefined;
  }
  const dir = path.dirname(path.dirname(real));
  return fs.existsSync(path.join(dir, 'bin', 'npm-cli.js')) ? dir : undefined;
}
