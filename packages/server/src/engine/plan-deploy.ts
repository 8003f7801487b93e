// The deploy plan: a pure function from what runs now, the target release and the formation to the
// steps the applier takes. No I/O here, so every case is tested on its own (test/engine/plan.test.ts).
//
// A new release (or a restart) replaces every instance: start all new ones, check them, switch
// traffic, then stop the old ones. The same release with another formation (scale, start after a
// partial failure) keeps the healthy instances it can reuse and only starts or stops the difference.

/** An instance as the plan sees it. */
export interface PlanInstance {
  id: string;
  processType: string;
  index: number;
  release: number;
  state: string;
}

export interface PlanTarget {
  version: number;
  /** Process types the release declares. */
  processTypes: readonly string[];
  /** The release command, run once before new instances start (new releases only). */
  releaseCommand?: string[] | undefined;
}

export interface PlanOptions {
  /** Replace every instance even when it runs the target release (restart). */
  replace?: boolean;
  /** Run the release command (a release that has not served yet). */
  runReleaseCommand?: boolean;
}

export interface StartStep {
  processType: string;
  index: number;
}

export interface DeployPlan {
  version: number;
  /** Run before anything starts; a non-zero exit fails the deploy with nothing changed. */
  releaseCommand: string[] | undefined;
  start: StartStep[];
  /** Instances that stay and keep serving. */
  keep: string[];
  /** Instances taken out of the route table, drained and stopped once the new ones are healthy. */
  stop: string[];
}

/** States of an instance that may keep serving. */
const REUSABLE = new Set(['starting', 'running', 'backoff']);

/** The counts of every process type of the release: the formation's override, else the default. */
export function resolveFormation(
  declared: Readonly<Record<string, number>>,
  overrides: Readonly<Record<string, number>>,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [type, count] of Object.entries(declared)) {
    counts[type] = Object.hasOwn(overrides, type) ? overrides[type]! : count;
  }
  return counts;
}

export function planDeploy(
  current: readonly PlanInstance[],
  target: PlanTarget,
  formation: Readonly<Record<string, number>>,
  options: PlanOptions = {},
): DeployPlan {
  const start: StartStep[] = [];
  const keep: string[] = [];
  const kept = new Set<string>();
  for (const type of [...target.processTypes].sort()) {
    const count = Math.max(0, Math.trunc(Object.hasOwn(formation, type) ? formation[type]! : 0));
    const reusable = options.replace
      ? []
      : current
          .filter((i) => i.processType === type && i.release === target.version && REUSABLE.has(i.state))
          .sort((a, b) => a.index - b.index || a.id.localeCompare(b.id));
    const used = new Set<number>();
    for (const instance of reusable) {
      if (used.size < count && !used.has(instance.index)) {
        used.add(instance.index);
        keep.push(instance.id);
        kept.add(instance.id);
      }
    }
    for (let index = 1; used.size < count; index++) {
      if (used.has(index)) continue;
      used.add(index);
      start.push({ processType: type, index });
    }
  }
  const stop = current.filter((i) => !kept.has(i.id)).map((i) => i.id);
  return {
    version: target.version,
    releaseCommand: options.runReleaseCommand ? target.releaseCommand : undefined,
    start,
    keep,
    stop,
  };
}
