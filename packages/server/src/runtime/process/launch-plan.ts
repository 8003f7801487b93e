// What a process of a release is spawned with, the same for an instance and a one-off run: its argv
// (with the limits this runtime can apply), its environment (instance-env.ts) and who runs it (the
// spec's user with its home, or berthd's user with a home in the data dir); and spawning it in a
// process group of its own.
import type { ChildProcess, StdioOptions } from 'node:child_process';
import { BerthError } from '../../errors.ts';
import { spawnGroup } from '../../spawn-group.ts';
import type { InstanceLimits, InstanceSpec, InstanceUser } from '../driver.ts';
import { prepareAppDirs } from './app-dirs.ts';
import { instanceEnv } from './instance-env.ts';
import { applyLimits } from './limits.ts';
import type { ResolvedOptions } from './process-options.ts';

export interface LaunchPlan {
  argv: string[];
  env: Record<string, string>;
  owner: InstanceUser | undefined;
  /** Limits asked for that the process runtime cannot enforce. */
  unenforced: Array<keyof InstanceLimits>;
}

export function launchPlan(
  spec: InstanceSpec,
  options: ResolvedOptions,
  port: number | undefined,
): LaunchPlan {
  const owner = spec.user;
  const home = owner ? owner.home : prepareAppDirs(options.dataDir, spec.app, spec.env).home;
  const env = instanceEnv(spec, { port, home, basePath: options.basePath });
  const { argv, unenforced } = applyLimits(spec.command, spec.limits, {
    isolated: owner !== undefined,
    prlimitPath: options.prlimitPath,
  });
  return { argv, env, owner, unenforced };
}

/** Spawns the plan in `cwd` as the leader of a new process group (and session). */
export function spawnPlan(plan: LaunchPlan, cwd: string, stdio: StdioOptions): ChildProcess {
  return spawnGroup({ argv: plan.argv, cwd, env: plan.env, stdio, user: plan.owner });
}

/** Resolves once `child` runs; RUNTIME_START_FAILED when it could not be spawned (no such program). */
export async function spawned(child: ChildProcess, program: string | undefined): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (err) {
    throw new BerthError('RUNTIME_START_FAILED', `Cannot start ${program}: ${(err as Error).message}`, {
      code: (err as NodeJS.ErrnoException).code,
    });
  }
}
