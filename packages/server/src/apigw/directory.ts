// The component directory: which component a gateway call names, for the call handler. It keeps the
// whole declaration table in memory and reads it again when `apigw_state.version` has moved: it asks
// for the version at most every `recheckMs` (so a change on another replica is seen within that), and
// at once after `invalidate()` (a change made through this process's declarations service).
// The built-in system `berth` (builtin-system.ts) is in code, not in the store: `/api/c/berth/{path}`
// is looked up among its components only, and `/api/c/compapi/{path}` never reaches it (so a declared
// system's paths cannot collide with it).
import { APIGW_BUILTIN_SYSTEM, type ApigwComponent, type ApigwSystem } from '@berth/sdk';
import type { Kysely } from 'kysely';
import type { Logger } from '../logger.ts';
import type { Database } from '../store/schema.ts';
import type { Awaitable } from './awaitable.ts';
import { builtinDeclaration } from './builtin-system.ts';
import { readDeclarations, readVersion } from './declarations-store.ts';
import type { SystemDeclaration } from './model.ts';
import { createPathMatcher, type PathMatcher } from './path-matcher.ts';

export interface ComponentLookup {
  /** The system of `/api/c/{system}/{path}`; null for `/api/c/compapi/{path}` (any system). */
  system: string | null;
  method: string;
  /** The call's path below the system (or compapi), with its leading slash, no query. */
  path: string;
}

export interface ComponentMatch {
  system: ApigwSystem;
  component: ApigwComponent;
  /** The path's `{var}` segments, percent-decoded. */
  vars: Record<string, string>;
}

export interface ComponentDirectory {
  /** The component the query names (no promise when the declarations are fresh: on every call). */
  lookup(query: ComponentLookup): Awaitable<ComponentMatch | undefined>;
  /** The declared system of this name (for telling an unknown system from an unknown path). */
  system(name: string): Promise<ApigwSystem | undefined>;
  /** The system's components by name, the built-in system's too (undefined for no such system). */
  components(system: string): Promise<ReadonlyMap<string, ApigwComponent> | undefined>;
  /** The declared systems whose owner app is one of these. */
  systemsOwnedBy(apps: ReadonlySet<string>): Promise<string[]>;
  /** The declarations changed through this process: the next lookup reads the version at once. */
  invalidate(): void;
}

/** Where a directory reads the declarations: the store (`storeDeclarations`), or, in a gateway
 *  worker, berthd (which reads the store). */
export interface DeclarationSource {
  /** `apigw_state.version`: moves with every change of the declarations. */
  version(): Promise<number>;
  /** Every system with its components (plain data). */
  read(): Promise<SystemDeclaration[]>;
}

export function storeDeclarations(db: Kysely<Database>): DeclarationSource {
  return { version: () => readVersion(db), read: () => readDeclarations(db) };
}

export interface ComponentDirectoryDeps {
  source: DeclarationSource;
  logger: Logger;
  /** How long a read version is trusted before asking again (default 1000 ms). */
  recheckMs?: number;
  now?: () => number;
}

interface Snapshot {
  version: number;
  systems: Map<string, ApigwSystem>;
  all: PathMatcher<ApigwComponent>;
  bySystem: Map<string, PathMatcher<ApigwComponent>>;
  named: Map<string, Map<string, ApigwComponent>>;
}

export const DEFAULT_RECHECK_MS = 1000;

export function createComponentDirectory(deps: ComponentDirectoryDeps): ComponentDirectory {
  const recheckMs = deps.recheckMs ?? DEFAULT_RECHECK_MS;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ mod: 'apigw' });
  let snapshot: Snapshot | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  /** Goes up with every invalidate(): a read begun before it does not count as a check. */
  let generation = 0;
  let pending: { generation: number; read: Promise<Snapshot> } | undefined;
  const builtin = builtinDeclaration();
  const builtinMatcher = createPathMatcher(
    builtin.components.map((c) => ({ path: c.path, method: c.method, value: c })),
  );
  const builtinNamed: ReadonlyMap<string, ApigwComponent> = new Map(
    builtin.components.map((c) => [c.name, c]),
  );

  async function load(): Promise<Snapshot> {
    const version = await deps.source.version();
    if (snapshot && snapshot.version === version) return snapshot;
    // Read after the version: a change in between is seen at the next check.
    const declarations = await deps.source.read();
    const entry = (c: ApigwComponent) => ({ path: c.path, method: c.method, value: c });
    const next: Snapshot = {
      version,
      systems: new Map(declarations.map((d) => [d.system.name, d.system])),
      all: createPathMatcher(declarations.flatMap((d) => d.components.map(entry))),
      bySystem: new Map(declarations.map((d) => [d.system.name, createPathMatcher(d.components.map(entry))])),
      named: new Map(declarations.map((d) => [d.system.name, new Map(d.components.map((c) => [c.name, c]))])),
    };
    log.debug({ version, systems: next.systems.size }, 'API gateway declarations read');
    return next;
  }

  function read(): Promise<Snapshot> {
    const started = now();
    const at = generation;
    const promise = load().then(
      (next) => {
        // Two reads may overlap (one begun before an invalidate()): the newer version stays.
        if (!snapshot || next.version >= snapshot.version) snapshot = next;
        if (at === generation) checkedAt = started;
        if (pending?.read === promise) pending = undefined;
        return snapshot;
      },
      (err: unknown) => {
        if (pending?.read === promise) pending = undefined;
        throw err;
      },
    );
    pending = { generation: at, read: promise };
    return promise;
  }

  /** The snapshot when it is fresh (no promise: this is on every call), else a promise of one. */
  function current(): Snapshot | Promise<Snapshot> {
    if (snapshot && now() - checkedAt < recheckMs) return snapshot;
    // One read at a time; lookups meanwhile wait for it (unless it began before an invalidate()).
    if (pending && pending.generation === generation) return pending.read;
    return read();
  }

  return {
    lookup(query) {
      if (query.system === APIGW_BUILTIN_SYSTEM) {
        const found = builtinMatcher.match(query.method, query.path);
        return found && { system: builtin.system, component: found.value, vars: found.vars };
      }
      const s = current();
      return s instanceof Promise ? s.then((fresh) => matchIn(fresh, query)) : matchIn(s, query);
    },
    async system(name) {
      if (name === APIGW_BUILTIN_SYSTEM) return builtin.system;
      return (await current()).systems.get(name);
    },
    async systemsOwnedBy(apps) {
      const systems = [...(await current()).systems.values()];
      return systems.filter((s) => s.owner !== undefined && apps.has(s.owner)).map((s) => s.name);
    },
    async components(system) {
      if (system === APIGW_BUILTIN_SYSTEM) return builtinNamed;
      return (await current()).named.get(system);
    },
    invalidate() {
      generation++;
      checkedAt = Number.NEGATIVE_INFINITY;
    },
  };
}

function matchIn(s: Snapshot, query: ComponentLookup): ComponentMatch | undefined {
  const matcher = query.system === null ? s.all : s.bySystem.get(query.system);
  const found = matcher?.match(query.method, query.path);
  if (!found) return undefined;
  return { system: s.systems.get(found.value.system)!, component: found.value, vars: found.vars };
}
