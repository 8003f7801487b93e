// Resource limits for plain processes. Node cannot set rlimits on a child, so the one limit that
// works for processes is applied by prefixing the argv with util-linux `prlimit`, which sets the
// limit on itself and execs the command (same pid, same process group):
//
//   pids        RLIMIT_NPROC. It counts every process and thread of the *Unix user*, so it is only
//               applied when the app runs as its own user (root, isolation on); then it caps the
//               app as a whole (all its instances together), not one instance.
//
// Not enforced by the process driver (the Docker driver enforces them with cgroups):
//   memoryBytes RLIMIT_AS would cap virtual address space, which runtimes such as Node and the JVM
//               reserve far beyond what they use, so apps would fail at start; nothing else exists
//               for processes without cgroups.
//   cpu         no rlimit caps a share of CPU time.
import type { InstanceLimits } from '../driver.ts';

export interface LimitPlan {
  /** The argv to spawn. */
  argv: string[];
  /** Limits asked for that this driver cannot enforce (logged once per instance). */
  unenforced: Array<keyof InstanceLimits>;
}

export function applyLimits(
  command: string[],
  limits: InstanceLimits | undefined,
  options: { isolated: boolean; prlimitPath: string | undefined },
): LimitPlan {
  const unenforced: Array<keyof InstanceLimits> = [];
  if (limits?.memoryBytes !== undefined) unenforced.push('memoryBytes');
  if (limits?.cpu !== undefined) unenforced.push('cpu');
  if (limits?.pids === undefined) return { argv: command, unenforced };
  if (!options.isolated || !options.prlimitPath) {
    unenforced.push('pids');
    return { argv: command, unenforced };
  }
  return { argv: [options.prlimitPath, `--nproc=${limits.pids}`, '--', ...command], unenforced };
}
