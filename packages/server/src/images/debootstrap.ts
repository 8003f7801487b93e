// Builds a minimal Debian root filesystem with debootstrap. The one program Berth spawns for images:
// argv array, no shell, output kept for the error report.
import { spawn } from 'node:child_process';
import { BerthError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export interface DebootstrapOptions {
  /** Target directory (created by debootstrap; must not exist or be empty). */
  dir: string;
  suite: string;
  mirror: string;
  /** Extra Debian packages, e.g. ['python3']. */
  include?: string[];
  logger: Logger;
  /** Program to run (default `debootstrap` on PATH). */
  program?: string;
}

const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]{0,99}$/;
const SUITE = /^[a-z][a-z0-9-]{0,31}$/;
const KEEP_OUTPUT = 16 * 1024;
/** debootstrap's whole environment: nothing of berthd's (no secret, no BERTH_* setting) is passed on. */
const DEBOOTSTRAP_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' };

export async function debootstrap(opts: DebootstrapOptions): Promise<void> {
  const include = opts.include ?? [];
  if (
    !SUITE.test(opts.suite) ||
    !include.every((p) => PACKAGE_NAME.test(p)) ||
    !/^https?:\/\//.test(opts.mirror)
  )
    throw new BerthError('STACK_IMAGE_BUILD_FAILED', 'debootstrap: bad suite, package or mirror');
  const args = ['--variant=minbase'];
  if (include.length > 0) args.push(`--include=${include.join(',')}`);
  args.push(opts.suite, opts.dir, opts.mirror);
  const logger = opts.logger.child({ step: 'debootstrap', dir: opts.dir });
  logger.info({ args }, 'building root filesystem');
  const started = Date.now();
  let output = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(opts.program ?? 'debootstrap', args, {
      env: DEBOOTSTRAP_ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-KEEP_OUTPUT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (exitCode) => resolve(exitCode));
  }).catch((err: unknown) => {
    throw new BerthError('STACK_IMAGE_BUILD_FAILED', 'debootstrap could not be run (is it installed?)', {
      step: 'debootstrap',
      error: String(err),
    });
  });
  if (code !== 0) {
    throw new BerthError('STACK_IMAGE_BUILD_FAILED', `debootstrap exited with code ${code}`, {
      step: 'debootstrap',
      output: output.split('\n').slice(-20).join('\n'),
    });
  }
  logger.info({ ms: Date.now() - started }, 'root filesystem built');
}
