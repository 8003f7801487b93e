// The one way berthd starts app code on this host (instances, one-off runs, build steps): an
// argument array, never a shell string of berthd's; a process group and session of its own, so
// that everything it starts is signalled together and nothing is tied to berthd's terminal; as
// the given user (an app's identity) when there is one. A leaf module.
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';

export interface GroupLaunch {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  stdio: StdioOptions;
  /** Who runs it (absent: berthd's own user). */
  user?: { uid: number; gid: number } | undefined;
}

/** Spawns `argv[0]` with the rest as its arguments, as the leader of a new process group. */
export function spawnGroup(o: GroupLaunch): ChildProcess {
  return spawn(o.argv[0]!, o.argv.slice(1), {
    cwd: o.cwd,
    env: o.env,
    detached: true,
    stdio: o.stdio,
    ...(o.user ? { uid: o.user.uid, gid: o.user.gid } : {}),
  });
}
