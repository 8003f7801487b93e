// One Unix user per app when berthd runs as root: `berth-<code>`, a system user with its own group,
// no home and no login shell, created on first use and reused afterwards. Apps of different users
// cannot read each other's files or signal each other's processes.
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { BerthError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';

const run = promisify(execFile);
const TOOL_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' };
/** Longest user name useradd accepts on common distributions. */
const MAX_NAME = 32;
/** useradd's exit status when it cannot lock the passwd file. */
const PASSWD_BUSY = 10;

export interface AppUser {
  name: string;
  uid: number;
  gid: number;
}

/** `berth-<code>`; codes too long for a user name keep a prefix plus a short hash of the code. */
export function appUserName(code: string): string {
  const name = `berth-${code}`;
  if (name.length <= MAX_NAME) return name;
  const hash = crypto.createHash('sha256').update(code).digest('hex').slice(0, 6);
  return `berth-${code.slice(0, MAX_NAME - 'berth-'.length - 7)}-${hash}`;
}

/** The user's uid and gid from the passwd database, or undefined when it does not exist. */
export async function lookupUser(name: string): Promise<AppUser | undefined> {
  try {
    const { stdout } = await run('getent', ['passwd', name], { env: TOOL_ENV, timeout: 10_000 });
    const fields = stdout.trim().split(':');
    const uid = Number(fields[2]);
    const gid = Number(fields[3]);
    if (fields[0] !== name || !Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
    return { name, uid, gid };
  } catch (err) {
    // getent exits 2 when the key is not found.
    if ((err as { code?: unknown }).code === 2) return undefined;
    throw err;
  }
}

export interface AppUsers {
  /** The app's user, created when missing. */
  ensure(code: string): Promise<AppUser>;
}

export function createAppUsers(logger: Logger): AppUsers {
  const known = new Map<string, Promise<AppUser>>();

  async function ensure(code: string): Promise<AppUser> {
    const name = appUserName(code);
    const existing = await lookupUser(name);
    if (existing) return existing;
    try {
      await useradd(name, code);
      logger.info({ user: name, app: code }, 'created app user');
    } catch (err) {
      // Another berthd may have created it meanwhile; anything else is a real failure.
      const raced = await lookupUser(name);
      if (raced) return raced;
      throw new BerthError('RUNTIME_START_FAILED', `Cannot create the app user ${name}`, {
        reason: (err as Error).message,
      });
    }
    const created = await lookupUser(name);
    if (!created) throw new BerthError('RUNTIME_START_FAILED', `The app user ${name} was not created`);
    return created;
  }

  return {
    ensure(code) {
      let pending = known.get(code);
      if (!pending) {
        pending = ensure(code);
        known.set(code, pending);
        pending.catch(() => known.delete(code));
      }
      return pending;
    },
  };
}

/** useradd exits 10 while another tool holds the passwd lock: try again a few times. */
async function useradd(name: string, code: string): Promise<void> {
  const args = [
    '--system',
    '--user-group',
    '--no-create-home',
    '--home-dir',
    '/nonexistent',
    '--shell',
    '/usr/sbin/nologin',
    '--comment',
    `Berth app ${code}`,
    name,
  ];
  for (let attempt = 1; ; attempt++) {
    try {
      await run('useradd', args, { env: TOOL_ENV, timeout: 30_000 });
      return;
    } catch (err) {
      if ((err as { code?: unknown }).code !== PASSWD_BUSY || attempt >= 5) throw err;
      await sleep(200 * attempt);
    }
  }
}

/** Removes an app's user and group (for app deletion and tests); no-op when it does not exist. */
export async function deleteAppUser(code: string): Promise<void> {
  const name = appUserName(code);
  if (!(await lookupUser(name))) return;
  await run('userdel', [name], { env: TOOL_ENV, timeout: 30_000 });
}
