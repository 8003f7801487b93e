// What a process of a release is spawned with, the same for an instance and a one-off run: its argv
// (with the limits this runtime can apply), its environment (instance-env.ts) and who runs it (the
// spec's user with its home, or berthd's user with a home in the data dir).
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
