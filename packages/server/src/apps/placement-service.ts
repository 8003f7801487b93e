// An app's placement: the Swarm placement constraints that decide which nodes may run its
// instances. Stored as a JSON array in normal form (apps.placement; null: none); changed through the
// app update (admins and operators only, `placement.write`), read by the deploy engine for every
// instance it starts. The grammar is the SDK's (placement.ts), shared with the CLI.
import { checkPlacement } from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { AppRow } from './tables.ts';

export interface PlacementService {
  /** The app's placement constraints (the deploy engine's); [] for none or an app that does not exist. */
  placement(code: string): Promise<string[]>;
}

/** The constraints of an app row. */
export function placementOf(row: Pick<AppRow, 'placement'>): string[] {
  if (row.placement === null) return [];
  const list: unknown = JSON.parse(row.placement);
  return Array.isArray(list) ? list.filter((c): c is string => typeof c === 'string') : [];
}

/** A new placement in normal form; PLACEMENT_INVALID naming the first bad constraint. */
export function checkedPlacement(input: readonly string[]): string[] {
  const checked = checkPlacement(input);
  if ('problem' in checked) throw new BerthError('PLACEMENT_INVALID', `The ${checked.problem}`);
  return checked.placement;
}

/** The column's value for a placement in normal form. */
export function placementColumn(placement: readonly string[]): string | null {
  return placement.length === 0 ? null : JSON.stringify(placement);
}

export function createPlacementService(deps: { store: Store }): PlacementService {
  return {
    async placement(code) {
      const row = await deps.store.db
        .selectFrom('apps')
        .select('placement')
        .where('code', '=', code)
        .executeTakeFirst();
      return row ? placementOf(row) : [];
    },
  };
}
