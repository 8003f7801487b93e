// Client-side checks of arguments, one function per kind of value, run before any request: a bad
// value is a usage error (exit 2) worded like the help text. The rules come from the SDK's schemas
// where it has them, so the CLI and the server agree.
import {
  APP_CODE_PATTERN,
  CONFIG_VAR_NAME_PATTERN,
  DEFAULT_ACTION_ROLES,
  ENV_ACTIONS,
  ENV_NAMES,
  type EnvAction,
  type EnvName,
  JOB_STATUSES,
  type JobStatus,
  MAX_APPROVERS,
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

/** `on` or `off` as a boolean. */
export function onOff(option: string, raw: string): boolean {
  if (raw === 'on' || raw === 'off') return raw === 'on';
  throw usageError(`--${option} takes on or off, not '${raw}'`);
}

/** `alice,bob` → the usernames, each checked, none twice; the empty string → none. */
export function usernameList(option: string, raw: string): string[] {
  const names = raw.trim() === '' ? [] : raw.split(',').map((n) => username(n.trim()));
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw usageError(`--${option}: ${twice} is given twice`);
  if (names.length > MAX_APPROVERS) throw usageError(`--${option}: at most ${MAX_APPROVERS} names`);
  return names;
}

/** How `--roles` reads, as the help says it. */
export const POLICY_ROLES_RULE =
  "ACTION=ROLE[,ROLE…] entries separated by ';' (ROLE none: nobody), or '' for the defaults";

/**
 * The roles an environment's policy narrows its actions to: `deploy=admin,operator;run=admin`.
 * `ACTION=none` lets no role do it; the empty string narrows nothing (every action its defaults). A
 * policy only narrows, so a role the action does not allow by default is refused here, as the server
 * would.
 */
export function policyRoles(raw: string): Partial<Record<EnvAction, Role[]>> {
  const roles: Partial<Record<EnvAction, Role[]>> = {};
  for (const entry of raw.split(';').map((e) => e.trim())) {
    if (entry === '') continue;
    const match = /^([a-z.]+)\s*=\s*(.*)$/.exec(entry);
    if (!match)
      throw usageError(`'${entry}' is not ACTION=ROLE[,ROLE…] (--roles takes ${POLICY_ROLES_RULE})`);
    const [, action, list] = match as unknown as [string, string, string];
    if (!(ENV_ACTIONS as readonly string[]).includes(action)) {
      throw usageError(`'${action}' is not an action a policy decides (actions: ${ENV_ACTIONS.join(', ')})`);
    }
    const name = action as EnvAction;
    if (Object.hasOwn(roles, name)) throw usageError(`--roles: ${name} is given twice`);
    const names = list.split(',').map((r) => r.trim());
    if (names.includes('')) {
      throw usageError(`--roles: ${name}= needs roles (or none); it takes ${POLICY_ROLES_RULE}`);
    }
    const given = names.length === 1 && names[0] === 'none' ? [] : names.map(role);
    const defaults = DEFAULT_ACTION_ROLES[name];
    const extra = given.filter((r) => !defaults.includes(r));
    if (extra.length > 0) {
      throw usageError(
        `--roles: a policy only narrows who may ${name} (by default: ${defaults.join(', ')}), so not ${extra.join(', ')}`,
      );
    }
    roles[name] = [...new Set(given)];
  }
  return roles;
}
