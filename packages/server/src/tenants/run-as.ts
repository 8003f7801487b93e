// Runs a tool as one host identity (uid = gid, no supplementary groups, `/` as its working
// directory, a bare environment) and waits for it to end, whatever its exit status: for the
// cleanups berthd does with the identity's own privileges (killing its processes, removing its
// files), where what is left afterwards is checked separately.
import { spawn } from 'node:child_process';

export function runAsIdentity(uid: number, argv: readonly string[]): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      uid,
      gid: uid,
      cwd: '/',
      stdio: 'ignore',
      env: { PATH: '/usr/bin:/bin' },
    });
    child.once('error', () => resolve());
    child.once('exit', () => resolve());
  });
}
