// Reads and writes the declaration tables as model values (model.ts): the one place that knows the
// rows' shape. The declarations service writes through it; the component directory reads through it.
import type { ApigwComponent, ApigwSystem, ApigwSystemSummary } from '@berth/sdk';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { type DeclaredComponent, pathShape, type SystemDeclaration } from './model.ts';
import type { ApigwComponentRow, ApigwComponentsTable, ApigwSystemRow, ApigwSystemsTable } from './tables.ts';

type Db = Kysely<Database>;

export function systemOfRow(r: ApigwSystemRow): ApigwSystem {
  return {
    name: r.name,
    label: r.label,
    ...(r.owner_app !== null ? { owner: r.owner_app } : {}),
    ...(r.timeout_ms !== null ? { timeoutMs: Number(r.timeout_ms) } : {}),
    ...(r.docs !== null ? { docs: r.docs } : {}),
  };
}

export function summaryOfRow(r: ApigwSystemRow, components: number): ApigwSystemSummary {
  return { ...systemOfRow(r), components, updatedAt: Number(r.updated_at), updatedBy: r.updated_by };
}

export function componentOfRow(r: ApigwComponentRow): DeclaredComponent {
  return {
    system: r.system,
    name: r.name,
    label: r.label,
    ...(r.label_en !== null ? { labelEn: r.label_en } : {}),
    ...(r.comp_codename !== null ? { compCodename: r.comp_codename } : {}),
    path: r.path,
    method: r.method as ApigwComponent['method'],
    dest: { app: r.dest_app, env: r.dest_env === 'prod' ? 'prod' : 'stag', path: r.dest_path },
    ...(r.dest_method !== null ? { destHttpMethod: r.dest_method as ApigwComponent['destHttpMethod'] } : {}),
    type: r.type as ApigwComponent['type'],
    permLevel: r.perm_level as ApigwComponent['permLevel'],
    ...(r.timeout_ms !== null ? { timeoutMs: Number(r.timeout_ms) } : {}),
    ...(r.rate_calls !== null && r.rate_per !== null
      ? { rateLimit: { calls: Number(r.rate_calls), per: r.rate_per as 's' | 'min' | 'h' | 'd' } }
      : {}),
    hidden: Number(r.hidden) === 1,
    ...(r.docs !== null ? { docs: r.docs } : {}),
  };
}

function systemRow(s: ApigwSystem, at: number, by: string): ApigwSystemsTable {
  return {
    name: s.name,
    label: s.label,
    owner_app: s.owner ?? null,
    timeout_ms: s.timeoutMs ?? null,
    docs: s.docs ?? null,
    updated_at: at,
    updated_by: by,
  };
}

function componentRow(c: DeclaredComponent, position: number): ApigwComponentsTable {
  return {
    system: c.system,
    name: c.name,
    position,
    label: c.label,
    label_en: c.labelEn ?? null,
    comp_codename: c.compCodename ?? null,
    path: c.path,
    path_shape: pathShape(c.path),
    method: c.method,
    dest_app: c.dest.app,
    dest_env: c.dest.env,
    dest_path: c.dest.path,
    dest_method: c.destHttpMethod ?? null,
    type: c.type,
    perm_level: c.permLevel,
    timeout_ms: c.timeoutMs ?? null,
    rate_calls: c.rateLimit?.calls ?? null,
    rate_per: c.rateLimit?.per ?? null,
    hidden: c.hidden ? 1 : 0,
    docs: c.docs ?? null,
  };
}

/** The store's version of the declarations (0 before the first change). */
export async function readVersion(db: Db): Promise<number> {
  const row = await db.selectFrom('apigw_state').select('version').where('id', '=', 1).executeTakeFirst();
  return Number(row?.version ?? 0);
}

/** Every system with its components in file order, systems by name. */
export async function readDeclarations(db: Db): Promise<SystemDeclaration[]> {
  const systems = await db.selectFrom('apigw_systems').selectAll().execute();
  const rows = await db
    .selectFrom('apigw_components')
    .selectAll()
    .orderBy('system')
    .orderBy('position')
    .execute();
  const bySystem = new Map<string, DeclaredComponent[]>();
  for (const r of rows) {
    const list = bySystem.get(r.system) ?? [];
    list.push(componentOfRow(r));
    bySystem.set(r.system, list);
  }
  return systems
    .map((r) => ({ system: systemOfRow(r), components: bySystem.get(r.name) ?? [] }))
    .sort((a, b) => (a.system.name < b.system.name ? -1 : a.system.name > b.system.name ? 1 : 0));
}

/** Takes the declarations' write lock (the state row) for the rest of the transaction: two syncs,
 *  on any replica, plan and apply one after the other. */
export async function lockDeclarations(trx: Db): Promise<void> {
  await trx
    .updateTable('apigw_state')
    .set((eb) => ({ version: eb.ref('version') }))
    .where('id', '=', 1)
    .execute();
}

export async function bumpVersion(trx: Db): Promise<void> {
  await trx
    .updateTable('apigw_state')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', 1)
    .execute();
}

export async function deleteComponents(trx: Db, system: string): Promise<void> {
  await trx.deleteFrom('apigw_components').where('system', '=', system).execute();
}

export async function deleteSystem(trx: Db, system: string): Promise<void> {
  await deleteComponents(trx, system);
  await trx.deleteFrom('apigw_systems').where('name', '=', system).execute();
}

export async function upsertSystem(trx: Db, s: ApigwSystem, at: number, by: string, exists: boolean) {
  const row = systemRow(s, at, by);
  if (exists) await trx.updateTable('apigw_systems').set(row).where('name', '=', s.name).execute();
  else await trx.insertInto('apigw_systems').values(row).execute();
}

export async function insertComponents(trx: Db, components: readonly DeclaredComponent[]): Promise<void> {
  // In batches: SQLite and PostgreSQL cap a statement's parameters.
  const rows = components.map((c, i) => componentRow(c, i));
  for (let i = 0; i < rows.length; i += 200) {
    await trx
      .insertInto('apigw_components')
      .values(rows.slice(i, i + 200))
      .execute();
  }
}
