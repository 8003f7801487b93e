// Unix users and groups on this host, through the shadow-utils tools (argument arrays, a fixed
// PATH). Berth creates a user and a group of the same name and id for each host identity it
// allocates in the store; it never derives either from an app's code.
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TOOL_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' };
/** useradd/groupadd exit status while another tool holds the passwd/group lock. */
const LOCK_BUSY = 10;
/** useradd: the uid is in use; groupadd: the gid is in use. */
const ID_IN_USE = 4;
/** useradd/groupadd: the name is in use. */
const NAME_IN_USE = 9;

export interface HostUser {
  name: string;
  uid: number;
  gid: number;
}

/** What `getent DATABASE KEY` prints, or undefined when the key does not exist (exit code 2). */
async function getent(database: 'passwd' | 'group', key: string): Promise<string[] | undefined> {
  try {
    const { stdout } = await run('getent', [database, key], { env: TOOL_ENV, timeout: 10_000 });
    return stdout.trim().split('\n')[0]?.split(':');
  } catch (err) {
    if ((err as { code?: unknown }).code === 2) return undefined;
    throw err;
  }
}

/** The user named `name` (or with uid `name` when it is a number), or undefined. */
export async function lookupHostUser(key: string | number): Promise<HostUser | undefined> {
  const fields = await getent('passwd', String(key));
  if (!fields) return undefined;
  const uid = Number(fields[2]);
  const gid = Number(fields[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
  return { name: fields[0]!, uid, gid };
}

/** True when neither a user with this uid nor a group with this gid exists on the host. */
export async function hostIdFree(id: number): Promise<boolean> {
  return (
    (await getent('passwd', String(id))) === undefined && (await getent('group', String(id))) === undefined
  );
}

export class HostIdTakenError extends Error {
  constructor(readonly id: number) {
    super(`uid/gid ${id} is taken on this host`);
  }
}

/**
 * Creates group and user `name` with gid = uid = `id`, no home, no login shell. Resolves when the
 * user exists as asked (also when it existed already); throws HostIdTakenError when the id or the
 * name belongs to someone else.
 */
export async function createHostUser(name: string, id: number, comment: string): Promise<HostUser> {
  const existing = await lookupHostUser(name);
  if (existing) {
    if (existing.uid === id && existing.gid === id) return existing;
    throw new HostIdTakenError(id);
  }
  // Another berthd of this installation may be creating the same user right now: a clash on the
  // name or the id is only a clash when what exists afterwards is not what we wanted.
  const ours = async () => {
    const group = await getent('group', name);
    if (group && Number(group[2]) !== id) throw new HostIdTakenError(id);
    const user = await lookupHostUser(name);
    if (user && (user.uid !== id || user.gid !== id)) throw new HostIdTakenError(id);
    return { group: group !== undefined, user };
  };
  if (!(await ours()).group) {
    await withLockRetry(['groupadd', '--system', '--gid', String(id), name]).catch(async (err) => {
      if (!(err instanceof HostIdTakenError) || !(await ours()).group) throw err;
    });
  }
  const add = withLockRetry([
    'useradd',
    '--system',
    '--uid',
    String(id),
    '--gid',
    String(id),
    '--no-create-home',
    '--home-dir',
    '/nonexistent',
    '--shell',
    '/usr/sbin/nologin',
    '--comment',
    comment,
    name,
  ]);
  await add.catch(async (err) => {
    if (!(err instanceof HostIdTakenError) || !(await ours()).user) throw err;
  });
  const created = await lookupHostUser(name);
  if (!created || created.uid !== id) throw new Error(`the user ${name} was not created`);
  return created;
}

/** Removes user `name` and its group; no-op when neither exists. */
export async function deleteHostUser(name: string): Promise<void> {
  if (await lookupHostUser(name)) await withLockRetry(['userdel', name]);
  if (await getent('group', name)) await withLockRetry(['groupdel', name]);
}

async function withLockRetry(argv: string[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await run(argv[0]!, argv.slice(1), { env: TOOL_ENV, timeout: 30_000 });
      return;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === ID_IN_USE || code === NAME_IN_USE) {
        const id = Number(argv[argv.indexOf('--gid') + 1] ?? argv[argv.indexOf('--uid') + 1]);
        throw new HostIdTakenError(id);
      }
      if (code !== LOCK_BUSY || attempt >= 5) throw err;
      await sleep(200 * attempt);
    }
  }
}
