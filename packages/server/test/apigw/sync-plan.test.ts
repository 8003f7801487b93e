// The sync plan: systems and components added, changed (with the fields that differ, as the files
// spell them) and removed; a system whose file is gone goes with its components; a new order of the
// same components is a change of the system's `order`.
import { describe, expect, it } from 'vitest';
import { planIsEmpty, planSync, touchedSystems } from '../../src/apigw/sync-plan.ts';
import { parseSystemFiles } from '../../src/apigw/yaml-files.ts';
import { SOPS_CE_FILE, SOPS_FILE, systemFile } from './fixtures.ts';

const files = (list: Array<[string, string]>) =>
  parseSystemFiles(list.map(([name, text]) => ({ name, text })));

describe('planSync', () => {
  const before = files([
    ['BK_SOPS.yaml', SOPS_FILE],
    ['bk_sops_ce.yaml', SOPS_CE_FILE],
  ]);

  it('adds everything to an empty store, and nothing to change the second time', () => {
    const plan = planSync([], before);
    expect(plan.systems).toEqual({ add: ['BK_SOPS', 'BK_SOPS_CE'], change: [], remove: [] });
    expect(plan.components.add).toHaveLength(5);
    expect(plan.components.add[0]).toEqual({ system: 'BK_SOPS', name: 'get_template_list' });
    expect(planIsEmpty(plan)).toBe(false);
    expect(touchedSystems(plan)).toEqual(new Set(['BK_SOPS', 'BK_SOPS_CE']));
    const again = planSync(before, before);
    expect(planIsEmpty(again)).toBe(true);
    expect(touchedSystems(again).size).toBe(0);
  });

  it('names the fields that differ', () => {
    const edited = SOPS_FILE.replace('label: Standard operations', 'label: Standard ops')
      .replace('rate_limit: 100/min', 'rate_limit: 5/s')
      .replace('    hidden: true\n', '')
      .replace(
        'dest: { app: bk-sops, env: stag, path: /apigw/create_task/ }',
        'dest_path: /o/bk-sops/apigw/create_task/',
      );
    const plan = planSync(
      before,
      files([
        ['BK_SOPS.yaml', edited],
        ['bk_sops_ce.yaml', SOPS_CE_FILE],
      ]),
    );
    expect(plan.systems.change).toEqual([{ name: 'BK_SOPS', fields: ['label'] }]);
    expect(plan.components.change).toEqual([
      { system: 'BK_SOPS', name: 'get_template_list', fields: ['rate_limit'] },
      { system: 'BK_SOPS', name: 'create_task', fields: ['dest', 'hidden'] },
    ]);
    expect(plan.components.add).toEqual([]);
    expect(plan.components.remove).toEqual([]);
  });

  it('removes a system whose file is gone, with its components', () => {
    const plan = planSync(before, files([['BK_SOPS.yaml', SOPS_FILE]]));
    expect(plan.systems).toEqual({ add: [], change: [], remove: ['BK_SOPS_CE'] });
    expect(plan.components.remove).toEqual([
      { system: 'BK_SOPS_CE', name: 'get_template_list' },
      { system: 'BK_SOPS_CE', name: 'start_task' },
    ]);
    expect(touchedSystems(plan)).toEqual(new Set(['BK_SOPS_CE']));
  });

  it('adds and removes components of a kept system, and sees a new order', () => {
    const a = files([
      [
        'A.yaml',
        systemFile('A', [
          { name: 'one', path: '/1/' },
          { name: 'two', path: '/2/' },
          { name: 'three', path: '/3/' },
        ]),
      ],
    ]);
    const b = files([
      [
        'A.yaml',
        systemFile('A', [
          { name: 'three', path: '/3/' },
          { name: 'one', path: '/1/' },
          { name: 'four', path: '/4/' },
        ]),
      ],
    ]);
    const plan = planSync(a, b);
    expect(plan.systems.change).toEqual([{ name: 'A', fields: ['order'] }]);
    expect(plan.components.add).toEqual([{ system: 'A', name: 'four' }]);
    expect(plan.components.remove).toEqual([{ system: 'A', name: 'two' }]);
    // Removing one in the middle keeps the others' order.
    const c = files([
      [
        'A.yaml',
        systemFile('A', [
          { name: 'one', path: '/1/' },
          { name: 'three', path: '/3/' },
        ]),
      ],
    ]);
    expect(planSync(a, c).systems.change).toEqual([]);
  });
});
