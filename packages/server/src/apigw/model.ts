// The API gateway's declarations as values: a system and its components (the wire types are the
// SDK's), and the rules a declaration must meet. Pure: each check returns what is wrong, in words,
// and yaml-files.ts says where.
import {
  APIGW_BUILTIN_SYSTEM,
  APIGW_COMPONENT_NAME_PATTERN,
  APIGW_RATE_UNITS,
  APIGW_SYSTEM_NAME_PATTERN,
  APP_CODE_PATTERN,
  type ApigwComponent,
  type ApigwDest,
  type ApigwRateLimit,
  type ApigwRateUnit,
  type ApigwSystem,
  ENV_NAMES,
  type EnvName,
  envPathPrefix,
} from '@berth/sdk';

export type { ApigwComponent, ApigwDest, ApigwRateLimit, ApigwSystem };

/** A component declared in a system file: it always has a destination (only the built-in system's
 *  components, builtin-system.ts, have none). */
export type DeclaredComponent = ApigwComponent & { dest: ApigwDest };

/** A system with its components, in the order of its file. */
export interface SystemDeclaration {
  system: ApigwSystem;
  components: DeclaredComponent[];
}

/** Whether a system name is the built-in system's, in any case (`BERTH` from a BlueKing file
 *  `berth.yaml` included): no file declares it. */
export function isReservedSystem(name: string): boolean {
  return name.toLowerCase() === APIGW_BUILTIN_SYSTEM;
}

/** The call route `/api/c/compapi/{path}` searches every system: no system may take its name. */
export const COMPAPI = 'compapi';

/** A component's timeout when neither it nor its system sets one. */
export const DEFAULT_APIGW_TIMEOUT_MS = 30_000;

/** How long the destination may take to answer a call of the component. */
export function effectiveTimeoutMs(system: ApigwSystem, component: ApigwComponent): number {
  return component.timeoutMs ?? system.timeoutMs ?? DEFAULT_APIGW_TIMEOUT_MS;
}

const SYSTEM_NAME = new RegExp(APIGW_SYSTEM_NAME_PATTERN);
const COMPONENT_NAME = new RegExp(APIGW_COMPONENT_NAME_PATTERN);
const APP_CODE = new RegExp(APP_CODE_PATTERN);
const VAR = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

export function systemNameProblem(name: string): string | undefined {
  if (!SYSTEM_NAME.test(name))
    return `"${name}" is not a system name (a letter, then up to 63 letters, digits and _)`;
  if (name === COMPAPI)
    return `"${COMPAPI}" is taken by the route /api/c/compapi/{path}: name the system otherwise`;
  return undefined;
}

export function componentNameProblem(name: string): string | undefined {
  return COMPONENT_NAME.test(name)
    ? undefined
    : `"${name}" is not a component name (a letter, then up to 127 letters, digits, _ and -)`;
}

export function appCodeProblem(code: string): string | undefined {
  return APP_CODE.test(code)
    ? undefined
    : `"${code}" is not an app code (a lower-case letter, then 1-29 of a-z 0-9 _ -)`;
}

/** The name of a `{var}` segment, or undefined for a literal one. */
export function varName(segment: string): string | undefined {
  return VAR.exec(segment)?.[1];
}

/** What is wrong with a component's path: it starts with `/`, its segments are literal text or one
 *  `{var}` each, and only the last may be empty (a trailing slash). */
export function componentPathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return `"${path}" does not start with /`;
  if (path.length > 512) return 'is longer than 512 characters';
  if (/[?#\s]/.test(path)) return `"${path}" holds a query, a fragment or white space`;
  const segments = path.slice(1).split('/');
  const seen = new Set<string>();
  for (const [i, segment] of segments.entries()) {
    if (segment === '' && i < segments.length - 1) return `"${path}" has an empty segment (//)`;
    const name = varName(segment);
    if (name !== undefined) {
      if (seen.has(name)) return `"${path}" names {${name}} twice`;
      seen.add(name);
    } else if (/[{}]/.test(segment)) {
      return `"${path}": a placeholder is a whole segment, {name} (letters, digits, _)`;
    }
  }
  return undefined;
}

/** The path with every `{var}` written `{}`: two paths of one shape answer the same calls. */
export function pathShape(path: string): string {
  return path
    .split('/')
    .map((s) => (varName(s) === undefined ? s : '{}'))
    .join('/');
}

/** What is wrong with a destination path: it starts with `/` and its placeholders are `{name}`. */
export function destPathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return `"${path}" does not start with /`;
  if (path.length > 1024) return 'is longer than 1024 characters';
  if (/[#\s]/.test(path)) return `"${path}" holds a fragment or white space`;
  const rest = path.replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, '');
  if (/[{}]/.test(rest)) return `"${path}": a placeholder is {name} (letters, digits, _)`;
  return undefined;
}

/** `{var}` names a destination path asks for, in order. */
export function placeholders(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
}

/** BlueKing's `dest_path`: `/o/{app}/rest` is the app's prod, `/t/{app}/rest` its stag (the apps
 *  origin's prefixes, envPathPrefix). Undefined when it is neither. */
export function parseDestPath(destPath: string): ApigwDest | undefined {
  const match = /^\/[a-z]\/([^/]+)(\/.*)?$/.exec(destPath);
  if (!match) return undefined;
  const app = match[1]!;
  const env = ENV_NAMES.find(
    (e: EnvName) => destPath.startsWith(`${envPathPrefix(app, e)}/`) || destPath === envPathPrefix(app, e),
  );
  if (env === undefined) return undefined;
  return { app, env, path: match[2] ?? '/' };
}

const RATE = /^(\d{1,9})\s*\/\s*([a-z]+)$/;

/** `100/min` → {calls: 100, per: 'min'}; undefined when it is not a rate. */
export function parseRateLimit(text: string): ApigwRateLimit | undefined {
  const match = RATE.exec(text.trim());
  if (!match) return undefined;
  const calls = Number(match[1]);
  const per = match[2] as ApigwRateUnit;
  if (calls < 1 || !APIGW_RATE_UNITS.includes(per)) return undefined;
  return { calls, per };
}

export function formatRateLimit(rate: ApigwRateLimit): string {
  return `${rate.calls}/${rate.per}`;
}

/** The window of a rate limit in milliseconds. */
export const RATE_WINDOW_MS: Readonly<Record<ApigwRateUnit, number>> = {
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
