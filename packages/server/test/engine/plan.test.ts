// planDeploy: the pure plan from (current instances, target release, formation).
import { describe, expect, it } from 'vitest';
import { type PlanInstance, planDeploy, resolveFormation } from '../../src/engine/index.ts';

const inst = (
  id: string,
  processType: string,
  index: number,
  release: number,
  state = 'running',
): PlanInstance => ({
  id,
  processType,
  index,
  release,
  state,
});

describe('planDeploy', () => {
  it('starts everything on a first deploy', () => {
    const plan = planDeploy([], { version: 1, processTypes: ['web', 'worker'] }, { web: 2, worker: 1 });
    expect(plan).toEqual({
      version: 1,
      releaseCommand: undefined,
      start: [
        { processType: 'web', index: 1 },
        { processType: 'web', index: 2 },
        { processType: 'worker', index: 1 },
      ],
      keep: [],
      stop: [],
    });
  });

  it('replaces every instance of an older release', () => {
    const current = [inst('a', 'web', 1, 1), inst('b', 'web', 2, 1), inst('c', 'worker', 1, 1)];
    const plan = planDeploy(current, { version: 2, processTypes: ['web', 'worker'] }, { web: 2, worker: 1 });
    expect(plan.start).toHaveLength(3);
    expect(plan.keep).toEqual([]);
    expect(plan.stop).toEqual(['a', 'b', 'c']);
  });

  it('keeps instances of the target release when only the formation changes', () => {
    const current = [inst('a', 'web', 1, 3), inst('b', 'web', 2, 3)];
    const up = planDeploy(current, { version: 3, processTypes: ['web'] }, { web: 4 });
    expect(up.keep).toEqual(['a', 'b']);
    expect(up.start).toEqual([
      { processType: 'web', index: 3 },
      { processType: 'web', index: 4 },
    ]);
    expect(up.stop).toEqual([]);
    const down = planDeploy(current, { version: 3, processTypes: ['web'] }, { web: 1 });
    expect(down).toMatchObject({ keep: ['a'], start: [], stop: ['b'] });
    const zero = planDeploy(current, { version: 3, processTypes: ['web'] }, { web: 0 });
    expect(zero).toMatchObject({ keep: [], start: [], stop: ['a', 'b'] });
  });

  it('replaces instances of the same release on a restart', () => {
    const current = [inst('a', 'web', 1, 3)];
    const plan = planDeploy(current, { version: 3, processTypes: ['web'] }, { web: 1 }, { replace: true });
    expect(plan).toMatchObject({ keep: [], start: [{ processType: 'web', index: 1 }], stop: ['a'] });
  });

  it('does not reuse crash-looped or exited instances, and fills their index', () => {
    const current = [
      inst('a', 'web', 1, 3, 'crashloop'),
      inst('b', 'web', 2, 3),
      inst('c', 'web', 3, 3, 'exited'),
    ];
    const plan = planDeploy(current, { version: 3, processTypes: ['web'] }, { web: 3 });
    expect(plan.keep).toEqual(['b']);
    expect(plan.start).toEqual([
      { processType: 'web', index: 1 },
      { processType: 'web', index: 3 },
    ]);
    expect(plan.stop.sort()).toEqual(['a', 'c']);
  });

  it('stops process types the release no longer declares', () => {
    const current = [inst('a', 'web', 1, 3), inst('w', 'clock', 1, 3)];
    const plan = planDeploy(current, { version: 3, processTypes: ['web'] }, { web: 1 });
    expect(plan).toMatchObject({ keep: ['a'], start: [], stop: ['w'] });
  });

  it('keeps one instance per index when duplicates exist', () => {
    const current = [inst('a', 'web', 1, 3), inst('a2', 'web', 1, 3)];
    const plan = planDeploy(current, { version: 3, processTypes: ['web'] }, { web: 2 });
    expect(plan.keep).toEqual(['a']);
    expect(plan.start).toEqual([{ processType: 'web', index: 2 }]);
    expect(plan.stop).toEqual(['a2']);
  });

  it('runs the release command only when asked', () => {
    const target = { version: 2, processTypes: ['web'], releaseCommand: ['node', 'migrate.js'] };
    expect(planDeploy([], target, { web: 1 }).releaseCommand).toBeUndefined();
    expect(planDeploy([], target, { web: 1 }, { runReleaseCommand: true }).releaseCommand).toEqual([
      'node',
      'migrate.js',
    ]);
  });
});

describe('resolveFormation', () => {
  it('overrides declared counts and ignores unknown types', () => {
    expect(resolveFormation({ web: 2, worker: 1 }, { worker: 3, gone: 5 })).toEqual({ web: 2, worker: 3 });
  });

  it('reads own keys only: a process type called constructor keeps its declared count', () => {
    expect(resolveFormation({ constructor: 2, web: 1 }, {})).toEqual({ constructor: 2, web: 1 });
    const plan = planDeploy([], { version: 1, processTypes: ['constructor'] }, {});
    expect(plan.start).toEqual([]);
    const counted = planDeploy([], { version: 1, processTypes: ['constructor'] }, { constructor: 1 });
    expect(counted.start.map((s) => s.processType)).toEqual(['constructor']);
  });
});
