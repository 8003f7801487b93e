// The API gateway's declarations: systems and components synced from a directory of YAML files,
// exported back to it, read, and edited one file at a time. Every signed-in user reads (hidden
// components only admins and operators); syncing, exporting and editing are for admins and operators.
// A change is planned and applied in one transaction that holds the declarations' lock, bumps the
// version and writes the audit entry: every file or none. The built-in system `berth` is listed
// and read like the others (`builtIn: true`), but is never in the store: a file, PUT or DELETE that
// names it is refused (APIGW_SYSTEM_RESERVED) and export leaves it out.
import {
  APIGW_BUILTIN_SYSTEM,
  type ApigwComponent,
  type ApigwSyncPlan,
  type ApigwSystemPutResponse,
  type ApigwSystemResponse,
  type ApigwSystemSummary,
  type Role,
} from '@berth/sdk';
import type { Kysely } from 'kysely';
import type { AuditRecorder } from '../apps/index.ts';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { BUILTIN_SYSTEM, builtinComponents } from './builtin-system.ts';
import {
  bumpVersion,
  componentOfRow,
  deleteComponents,
  deleteSystem,
  insertComponents,
  lockDeclarations,
  readDeclarations,
  summaryOfRow,
  upsertSystem,
} from './declarations-store.ts';
import type { SystemDeclaration } from './model.ts';
import { isReservedSystem } from './model.ts';
import { planIsEmpty, planSync, touchedSystems } from './sync-plan.ts';
import { parseSystemFiles, renderSystemFile, type SystemFile, systemFileName } from './yaml-files.ts';
import { yamlInvalid } from './yaml-reader.ts';

/** Admins and operators: they sync, export and edit, and see hidden components. */
const STAFF: readonly Role[] = ['admin', 'operator'];

export interface DeclarationsDeps {
  store: Store;
  audit: AuditRecorder;
  now?: () => number;
  /** Called after every change this service commits (the directory reads the store again). */
  changed?(): void;
}

export interface SyncResult {
  plan: ApigwSyncPlan;
  /** false for a dry run, and when there was nothing to change. */
  applied: boolean;
}

export interface DeclarationsService {
  /** What a sync of these files (the whole directory) would change. */
  plan(files: readonly SystemFile[]): Promise<ApigwSyncPlan>;
  /** Makes the store hold exactly these files' systems (audited `apigw.sync`). */
  sync(actor: Actor, files: readonly SystemFile[], options?: { dryRun?: boolean }): Promise<SyncResult>;
  /** Every system as its canonical file `{name}.yaml`, by name. */
  exportFiles(actor: Actor): Promise<SystemFile[]>;
  listSystems(actor: Actor): Promise<ApigwSystemSummary[]>;
  getSystem(actor: Actor, name: string): Promise<ApigwSystemResponse>;
  /** Components of one system (APIGW_SYSTEM_NOT_FOUND when there is none) or of all, in file order. */
  listComponents(actor: Actor, query?: { system?: string | undefined }): Promise<ApigwComponent[]>;
  /** Adds or replaces one system from its file's text (either shape); the others stay. */
  putSystem(actor: Actor, name: string, text: string): Promise<ApigwSystemPutResponse>;
  deleteSystem(actor: Actor, name: string): Promise<void>;
}

const isStaff = (actor: Actor) => STAFF.includes(actor.role);

/** The built-in system as the listings show it (never changed: its declaration is code). */
function builtinSummary(components: number): ApigwSystemSummary {
  return { ...BUILTIN_SYSTEM, components, updatedAt: 0, updatedBy: 'berthd' };
}

/** PUT and DELETE of the built-in system's name (any case) are refused. */
function refuseReserved(name: string): void {
  if (isReservedSystem(name)) {
    throw new BerthError(
      'APIGW_SYSTEM_RESERVED',
      `The system ${name} is built into berthd (${APIGW_BUILTIN_SYSTEM}): it is not declared, changed or removed`,
      { system: name },
    );
  }
}

function requireStaff(actor: Actor): void {
  if (!isStaff(actor))
    throw new BerthError('FORBIDDEN', 'Only admins and operators change API gateway systems');
}

export function createDeclarations(deps: DeclarationsDeps): DeclarationsService {
  const { db } = deps.store;
  const now = deps.now ?? Date.now;

  /** Plans the declarations `desired(current)` asks for and applies them, in one transaction under
   *  the declarations' lock. */
  async function apply(
    actor: Actor,
    desired: (current: SystemDeclaration[]) => SystemDeclaration[],
    audit: { action: string; targetId: string },
  ): Promise<SyncResult> {
    const result = await db.transaction().execute(async (trx) => {
      await lockDeclarations(trx);
      const current = await readDeclarations(trx);
      const want = desired(current);
      const plan = planSync(current, want);
      if (planIsEmpty(plan)) return { plan, applied: false };
      await write(trx, actor, current, want, plan);
      await deps.audit.record(trx, {
        actor,
        action: audit.action,
        targetType: 'apigw',
        targetId: audit.targetId,
        detail: { ...summary(plan) },
        ip: actor.ip,
      });
      return { plan, applied: true };
    });
    if (result.applied) deps.changed?.();
    return result;
  }

  async function write(
    trx: Kysely<Database>,
    actor: Actor,
    current: SystemDeclaration[],
    want: SystemDeclaration[],
    plan: ApigwSyncPlan,
  ): Promise<void> {
    const held = new Set(current.map((d) => d.system.name));
    const touched = touchedSystems(plan);
    // Every delete first: a path that moves to another component or system never meets itself.
    for (const name of plan.systems.remove) await deleteSystem(trx, name);
    for (const name of touched) if (held.has(name)) await deleteComponents(trx, name);
    const at = now();
    for (const d of want) {
      if (!touched.has(d.system.name)) continue;
      await upsertSystem(trx, d.system, at, actor.username, held.has(d.system.name));
      await insertComponents(trx, d.components);
    }
    await bumpVersion(trx);
  }

  async function systemRow(name: string) {
    const row = await db.selectFrom('apigw_systems').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row)
      throw new BerthError('APIGW_SYSTEM_NOT_FOUND', `No API gateway system ${name}`, { system: name });
    return row;
  }

  async function components(actor: Actor, system?: string): Promise<ApigwComponent[]> {
    if (system === APIGW_BUILTIN_SYSTEM) return builtinComponents();
    const builtin = system === undefined ? builtinComponents() : [];
    let q = db.selectFrom('apigw_components').selectAll().orderBy('system').orderBy('position');
    if (system !== undefined) q = q.where('system', '=', system);
    if (!isStaff(actor)) q = q.where('hidden', '=', 0);
    return [...builtin, ...(await q.execute()).map(componentOfRow)];
  }

  const service: DeclarationsService = {
    async plan(files) {
      const want = parseSystemFiles(files);
      return planSync(await readDeclarations(db), want);
    },

    async sync(actor, files, options = {}) {
      requireStaff(actor);
      const want = parseSystemFiles(files);
      if (options.dryRun) return { plan: await service.plan(files), applied: false };
      return apply(actor, () => want, { action: 'apigw.sync', targetId: '*' });
    },

    async exportFiles(actor) {
      requireStaff(actor);
      return (await readDeclarations(db)).map((d) => ({
        name: systemFileName(d.system.name),
        text: renderSystemFile(d.system, d.components),
      }));
    },

    async listSystems(actor) {
      const rows = await db.selectFrom('apigw_systems').selectAll().orderBy('name').execute();
      const counts = new Map<string, number>();
      for (const c of await components(actor)) counts.set(c.system, (counts.get(c.system) ?? 0) + 1);
      return [
        builtinSummary(counts.get(APIGW_BUILTIN_SYSTEM) ?? 0),
        ...rows.map((r) => summaryOfRow(r, counts.get(r.name) ?? 0)),
      ];
    },

    async getSystem(actor, name) {
      if (name === APIGW_BUILTIN_SYSTEM) {
        const list = builtinComponents();
        return { system: builtinSummary(list.length), components: list };
      }
      const row = await systemRow(name);
      const list = await components(actor, name);
      return { system: summaryOfRow(row, list.length), components: list };
    },

    async listComponents(actor, query = {}) {
      if (query.system !== undefined && query.system !== APIGW_BUILTIN_SYSTEM) await systemRow(query.system);
      return components(actor, query.system);
    },

    async putSystem(actor, name, text) {
      requireStaff(actor);
      refuseReserved(name);
      const file = { name: systemFileName(name), text };
      const { plan } = await apply(
        actor,
        (current) => {
          // The others as their exported files, then this one: a path it shares with another system
          // is named in that system's file.
          const others = current
            .filter((d) => d.system.name !== name)
            .map((d) => ({
              name: systemFileName(d.system.name),
              text: renderSystemFile(d.system, d.components),
            }));
          const parsed = parseSystemFiles([...others, file]);
          const mine = parsed[parsed.length - 1]!;
          if (mine.system.name !== name) {
            throw yamlInvalid(
              file.name,
              mine.systemLine,
              mine.shape === 'berth' ? 'system.name' : null,
              `the file declares the system ${mine.system.name}, not ${name}`,
            );
          }
          return parsed;
        },
        { action: 'apigw.system.put', targetId: name },
      );
      return { ...(await service.getSystem(actor, name)), plan };
    },

    async deleteSystem(actor, name) {
      requireStaff(actor);
      refuseReserved(name);
      await apply(
        actor,
        (current) => {
          if (!current.some((d) => d.system.name === name)) {
            throw new BerthError('APIGW_SYSTEM_NOT_FOUND', `No API gateway system ${name}`, { system: name });
          }
          return current.filter((d) => d.system.name !== name);
        },
        { action: 'apigw.system.delete', targetId: name },
      );
    },
  };
  return service;
}

/** What the audit entry keeps of a plan. */
function summary(plan: ApigwSyncPlan): Record<string, unknown> {
  return {
    systems: {
      added: plan.systems.add,
      changed: plan.systems.change.map((s) => s.name),
      removed: plan.systems.remove,
    },
    components: {
      added: plan.components.add.length,
      changed: plan.components.change.length,
      removed: plan.components.remove.length,
    },
  };
}
