// The sync plan: what makes the store hold the declared systems, computed from what it holds and the
// parsed files (pure; the declarations service applies it in one transaction). Systems come by name,
// components in file order. A system whose file is gone is removed with its components; changes
// name the fields that differ, as the files spell them.
import type { ApigwSyncPlan } from '@berth/sdk';
import type { SystemDeclaration } from './model.ts';
import { componentFields, systemFields } from './system-render.ts';

/** The fields whose values differ between two field records (in the order they are written). */
function differing(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

/** Systems by name (UTF-16 code units, as on every dialect): the plan's order. */
function bySystemName(list: readonly SystemDeclaration[]): SystemDeclaration[] {
  return [...list].sort((a, b) =>
    a.system.name < b.system.name ? -1 : a.system.name > b.system.name ? 1 : 0,
  );
}

export function emptyPlan(): ApigwSyncPlan {
  return {
    systems: { add: [], change: [], remove: [] },
    components: { add: [], change: [], remove: [] },
  };
}

export function planIsEmpty(plan: ApigwSyncPlan): boolean {
  return [plan.systems, plan.components].every(
    (p) => p.add.length === 0 && p.change.length === 0 && p.remove.length === 0,
  );
}

/** The systems whose components an apply writes again: added, changed, or with a component change. */
export function touchedSystems(plan: ApigwSyncPlan): Set<string> {
  const c = plan.components;
  return new Set([
    ...plan.systems.add,
    ...plan.systems.change.map((s) => s.name),
    ...[...c.add, ...c.change, ...c.remove].map((k) => k.system),
  ]);
}

export function planSync(
  current: readonly SystemDeclaration[],
  desired: readonly SystemDeclaration[],
): ApigwSyncPlan {
  const plan = emptyPlan();
  const held = new Map(current.map((d) => [d.system.name, d]));
  const wanted = new Set(desired.map((d) => d.system.name));
  for (const want of bySystemName(desired)) {
    const name = want.system.name;
    const have = held.get(name);
    if (!have) {
      plan.systems.add.push(name);
      for (const c of want.components) plan.components.add.push({ system: name, name: c.name });
      continue;
    }
    const fields = differing(systemFields(have.system), systemFields(want.system));
    const before = new Map(have.components.map((c) => [c.name, c]));
    const after = new Set(want.components.map((c) => c.name));
    for (const c of want.components) {
      const old = before.get(c.name);
      if (!old) {
        plan.components.add.push({ system: name, name: c.name });
        continue;
      }
      const changed = differing(componentFields(old), componentFields(c));
      if (changed.length > 0) plan.components.change.push({ system: name, name: c.name, fields: changed });
    }
    for (const c of have.components) {
      if (!after.has(c.name)) plan.components.remove.push({ system: name, name: c.name });
    }
    // The order of the components both hold is the file's (an export writes it).
    const kept = (list: readonly { name: string }[]) =>
      list.filter((c) => before.has(c.name) && after.has(c.name)).map((c) => c.name);
    if (kept(have.components).join('\n') !== kept(want.components).join('\n')) fields.push('order');
    if (fields.length > 0) plan.systems.change.push({ name, fields });
  }
  for (const have of bySystemName(current)) {
    const name = have.system.name;
    if (wanted.has(name)) continue;
    plan.systems.remove.push(name);
    for (const c of have.components) plan.components.remove.push({ system: name, name: c.name });
  }
  return plan;
}
