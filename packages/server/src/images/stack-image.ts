// The stack images every app container starts from, built on this machine without any registry:
//   berth/stack-base:bookworm   Debian bookworm minbase (debootstrap), imported through the Engine API
//   berth/stack-node:24         the base plus the Node.js 24 binary berthd itself runs on (the one npm
//                               installed into node_modules; Debian's own nodejs is 18)
//   berth/stack-python:3.11     Debian bookworm minbase with Debian's python3 (3.11)
// An image that exists is used as is (the image store is the cache); `docs/docker.md` explains how
// to pre-build them or load them from a tarball on an air-gapped host.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { create as createTar } from 'tar';
import { BerthError, isBerthError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { SETTING_DEFAULTS } from '../setting-defaults.ts';
import { debootstrap } from './debootstrap.ts';
import { imageExists, runToCompletion, waitForProgress } from './engine.ts';

export type StackName = 'node' | 'python';

export const STACK_BASE_IMAGE = 'berth/stack-base:bookworm';
export const STACK_IMAGES: Readonly<Record<StackName, string>> = Object.freeze({
  node: 'berth/stack-node:24',
  python: 'berth/stack-python:3.11',
});
export const DEFAULT_DEBIAN_MIRROR = SETTING_DEFAULTS.debianMirror;
const SUITE = 'bookworm';
/** The stack images' PATH (also what the runtime driver puts after the app's own entries). */
export const STACK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface StackImageOptions {
  docker: Docker;
  logger: Logger;
  /** Work space for root filesystems: `<dataDir>/images/` (removed after each import). */
  dataDir: string;
  name: StackName;
  /** Debian mirror for debootstrap (default deb.debian.org; use the one apt uses here). */
  mirror?: string;
  /** The Node.js binary copied into berth/stack-node (default: berthd's own, which must be v24). */
  nodeBinary?: string;
}

/** Makes sure the stack image exists (building what is missing) and resolves with its reference. */
export async function ensureStackImage(opts: StackImageOptions): Promise<string> {
  const ref = STACK_IMAGES[opts.name];
  if (await imageExists(opts.docker, ref)) return ref;
  const logger = opts.logger.child({ image: ref });
  const started = Date.now();
  try {
    if (opts.name === 'node') {
      await ensureBaseImage(opts);
      await buildNodeImage(opts, ref);
    } else {
      await importRootfs(opts, ref, ['python3']);
    }
    if (opts.name === 'node') await verify(opts.docker, ref, ['node', '--version'], /^v24\./);
    else await verify(opts.docker, ref, ['python3', '--version'], /^Python 3\.11\./);
  } catch (err) {
    if (isBerthError(err)) throw err;
    throw new BerthError('STACK_IMAGE_BUILD_FAILED', undefined, { image: ref, error: String(err) });
  }
  logger.info({ ms: Date.now() - started }, 'stack image built');
  return ref;
}

async function ensureBaseImage(opts: StackImageOptions): Promise<void> {
  if (await imageExists(opts.docker, STACK_BASE_IMAGE)) return;
  await importRootfs(opts, STACK_BASE_IMAGE, []);
}

/** debootstrap into a fresh directory, import it as `ref`, remove the directory. */
async function importRootfs(opts: StackImageOptions, ref: string, include: string[]): Promise<void> {
  const work = path.join(opts.dataDir, 'images');
  fs.mkdirSync(work, { recursive: true, mode: 0o700 });
  const dir = path.join(work, `rootfs-${crypto.randomBytes(4).toString('hex')}`);
  try {
    await debootstrap({
      dir,
      suite: SUITE,
      mirror: opts.mirror ?? DEFAULT_DEBIAN_MIRROR,
      include,
      logger: opts.logger,
    });
    const stream = Readable.from(
      createTar(
        {
          cwd: dir,
          portable: false,
          filter: (entryPath, stat) => keepInImage(entryPath, stat),
        },
        ['.'],
      ),
    );
    const [repo, tag] = splitRef(ref);
    const progress = await opts.docker.importImage(stream, { repo, tag, changes: `ENV PATH=${STACK_PATH}` });
    await waitForProgress(opts.docker, progress);
    if (!(await imageExists(opts.docker, ref))) {
      throw new BerthError('STACK_IMAGE_BUILD_FAILED', `The import of ${ref} did not create it`);
    }
  } finally {
    removeRootfs(dir, opts.logger);
  }
}

/** The base plus berthd's node binary at /usr/local/bin/node (it needs only libc, libstdc++, libgcc). */
async function buildNodeImage(opts: StackImageOptions, ref: string): Promise<void> {
  const nodeBinary = opts.nodeBinary ?? process.execPath;
  fs.mkdirSync(path.join(opts.dataDir, 'images'), { recursive: true, mode: 0o700 });
  const staging = fs.mkdtempSync(path.join(opts.dataDir, 'images', 'node-'));
  const container = await opts.docker.createContainer({
    Image: STACK_BASE_IMAGE,
    Cmd: ['/bin/true'],
    Labels: { 'berth.build': 'stack-node' },
  });
  try {
    const bin = path.join(staging, 'usr', 'local', 'bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.copyFileSync(nodeBinary, path.join(bin, 'node'));
    fs.chmodSync(path.join(bin, 'node'), 0o755);
    await container.putArchive(Readable.from(createTar({ cwd: staging, portable: true }, ['usr'])), {
      path: '/',
    });
    const [repo, tag] = splitRef(ref);
    await container.commit({ repo, tag, changes: `ENV PATH=${STACK_PATH}` });
  } finally {
    await container.remove({ force: true }).catch(() => {});
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Runs `cmd` in a throw-away container of `ref`; the image is removed again when it fails or
 *  prints another version than the tag promises. */
async function verify(docker: Docker, ref: string, cmd: string[], version: RegExp): Promise<void> {
  const { code, output } = await runToCompletion(docker, ref, cmd);
  if (code !== 0 || !version.test(output)) {
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => {});
    throw new BerthError(
      'STACK_IMAGE_BUILD_FAILED',
      `${ref}: "${cmd.join(' ')}" exited with ${code}, printing ${output.trim().slice(0, 80)}`,
      {
        step: 'verify',
        output,
      },
    );
  }
}

/** Device nodes, FIFOs and sockets are left out (Docker gives every container its own /dev), and so
 *  are apt's downloaded packages and package lists (about 80 MB nobody needs at run time). */
function keepInImage(entryPath: string, stat: unknown): boolean {
  if (!(stat instanceof fs.Stats)) return true;
  if (stat.isCharacterDevice() || stat.isBlockDevice() || stat.isFIFO() || stat.isSocket()) return false;
  return !(stat.isFile() && APT_LEFTOVERS.test(entryPath));
}
const APT_LEFTOVERS = /^(\.\/)?var\/(cache\/apt\/archives\/[^/]+\.deb|lib\/apt\/lists\/[^/]+_[^/]+)$/;

function splitRef(ref: string): [string, string] {
  const at = ref.lastIndexOf(':');
  return [ref.slice(0, at), ref.slice(at + 1)];
}

/** Removes a root filesystem, unless debootstrap left something mounted inside it (then it stays). */
function removeRootfs(dir: string, logger: Logger): void {
  if (!fs.existsSync(dir)) return;
  const mounts = fs.existsSync('/proc/self/mounts') ? fs.readFileSync('/proc/self/mounts', 'utf8') : '';
  const inside = mounts
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((mountPoint) => mountPoint === dir || mountPoint.startsWith(`${dir}/`));
  if (inside.length > 0) {
    logger.warn({ dir, mounts: inside }, 'root filesystem still has mounts; leaving it in place');
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
