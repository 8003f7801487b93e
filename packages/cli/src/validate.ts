// Client-side checks of arguments, one function per kind of value, run before any request: a bad
// value is a usage error (exit 2) worded like the help text. The rules come from the SDK's schemas
// where it has them, so the CLI and the server agree.
import {
  APP_CODE_PATTERN,
  CONFIG_VAR_NAME_PATTERN,
  ENV_NAMES,
  type EnvName,
  JOB_STATUSES,
  type JobStatus,
  PROCESS_TYPE_PATTERN,
  ROLES,
  type Role,
  SCALE_COUNT_MAX,
  USERNAME_PATTERN,
} from '@berth/sdk';
import { usageError } from './errors.ts';

/** How an app code looks, as the help says it. */
export const APP_CODE_RULE = 'a lowercase letter, then 1-29 of a-z 0-9 _ -';
/** How a config var name looks, as the help says it. */
export const CONFIG_NAME_RULE = 'a letter or _, then letters, digits or _ (at most 128)';
/** How a process type looks, as the help says it. */
export const PROCESS_TYPE_RULE = 'a lowercase letter, then up to 63 of a-z 0-9 _ -';

const APP_CODE = new RegExp(APP_CODE_PATTERN);
const CONFIG_NAME = new RegExp(CONFIG_VAR_NAME_PATTERN);
const PROCESS_TYPE = new RegExp(PROCESS_TYPE_PATTERN);
const USERNAME = new RegExp(USERNAME_PATTERN);

export function appCode(raw: string): string {
  if (!APP_CODE.test(raw)) throw usageError(`'${raw}' is not an app code (${APP_CODE_RULE})`);
  return raw;
}

export function envName(raw: string): EnvName {
  if (!(ENV_NAMES as readonly string[]).includes(raw)) {
    throw usageError(`unknown environment '${raw}' (environments: ${ENV_NAMES.join(', ')})`);
  }
  return raw as EnvName;
}

export function role(raw: string): Role {
  if (!(ROLES as readonly string[]).includes(raw)) {
    throw usageError(`unknown role '${raw}' (roles: ${ROLES.join(', ')})`);
  }
  return raw as Role;
}

export function jobStatus(raw: string): JobStatus {
  if (!(JOB_STATUSES as readonly string[]).includes(raw)) {
    throw usageError(`unknown status '${raw}' (statuses: ${JOB_STATUSES.join(', ')})`);
  }
  return raw as JobStatus;
}

export function username(raw: string): string {
  if (!USERNAME.test(raw)) {
    throw usageError(`'${raw}' is not a username (a lowercase letter, then 1-63 of a-z 0-9 . _ -)`);
  }
  return raw;
}

export function configName(raw: string): string {
  if (!CONFIG_NAME.test(raw)) throw usageError(`'${raw}' is not a config var name (${CONFIG_NAME_RULE})`);
  return raw;
}

/** A whole number ≥ 1 (an option's value, e.g. --limit), or undefined when absent. */
export function positiveInt(option: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    throw usageError(`--${option} must be a whole number of at least 1, not '${raw}'`);
  }
  return Number(raw);
}

/** `KEY=VALUE` arguments, split at the first `=`; a key given twice is a mistake. */
export function assignments(args: string[]): Array<[string, string]> {
  const seen = new Set<string>();
  return args.map((arg) => {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw usageError(`'${arg}' is not KEY=VALUE`);
    const name = configName(arg.slice(0, eq));
    if (seen.has(name)) throw usageError(`${name} is given twice`);
    seen.add(name);
    return [name, arg.slice(eq + 1)];
  });
}

/** `web=2 worker=1` → `{ web: 2, worker: 1 }`; counts from 0 to the platform's limit. */
export function formationArgs(args: string[]): Record<string, number> {
  const processes: Record<string, number> = {};
  for (const arg of args) {
    const match = /^([^=]+)=(\d+)$/.exec(arg);
    if (!match) throw usageError(`'${arg}' is not TYPE=COUNT (like web=2)`);
    const [, name, count] = match as unknown as [string, string, string];
    if (!PROCESS_TYPE.test(name)) throw usageError(`'${name}' is not a process type (${PROCESS_TYPE_RULE})`);
    if (Number(count) > SCALE_COUNT_MAX) {
      throw usageError(`${name}=${count}: a count is a whole number from 0 to ${SCALE_COUNT_MAX}`);
    }
    if (Object.hasOwn(processes, name)) throw usageError(`process type '${name}' given twice`);
    processes[name] = Number(count);
  }
  return processes;
}
