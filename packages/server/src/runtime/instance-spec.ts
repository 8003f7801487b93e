// Checks an InstanceSpec before any driver acts on it. Ids become file names and container names,
// commands become argv, env entries become a process environment: each is checked here once.
import path from 'node:path';
import {
  APP_CODE_PATTERN,
  ENV_NAMES,
  MAX_PLACEMENT_CONSTRAINTS,
  normalizePlacementConstraint,
} from '@berth/sdk';
import { BerthError } from '../errors.ts';
import type { InstanceSpec, RunSpec } from './driver.ts';

export const INSTANCE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const APP_CODE = new RegExp(APP_CODE_PATTERN);
const PROCESS_TYPE = /^[a-z][a-z0-9_-]{0,63}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/;
/** An image reference (`berth/stack-node:24`, `registry:5000/x/y:tag`, `…@sha256:…`, an id). */
const IMAGE_REF = /^(?!.*\/\/)[a-z0-9][A-Za-z0-9._/:@-]{0,254}$/;
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;
const MAX_ARGS = 1024;
const MAX_ARG_BYTES = 128 * 1024;

/** Throws RUNTIME_SPEC_INVALID naming the first problem. */
export function validateInstanceSpec(spec: InstanceSpec): void {
  const fail = (problem: string): never => {
    throw new BerthError('RUNTIME_SPEC_INVALID', `The instance spec is not valid: ${problem}`);
  };
  if (typeof spec.id !== 'string' || !INSTANCE_ID_PATTERN.test(spec.id)) fail('bad id');
  if (typeof spec.app !== 'string' || !APP_CODE.test(spec.app)) fail('bad app code');
  if (!(ENV_NAMES as readonly string[]).includes(spec.env)) fail('env must be stag or prod');
  if (!Number.isSafeInteger(spec.release) || spec.release < 0) fail('bad release number');
  if (typeof spec.processType !== 'string' || !PROCESS_TYPE.test(spec.processType)) fail('bad process type');
  if (!Number.isSafeInteger(spec.index) || spec.index < 0) fail('bad index');
  if (typeof spec.artifactDir !== 'string' || !path.isAbsolute(spec.artifactDir))
    fail('artifactDir must be an absolute path');
  if (!Array.isArray(spec.command) || spec.command.length === 0 || spec.command.length > MAX_ARGS)
    fail('command must be a non-empty argv array');
  for (const arg of spec.command) {
    if (typeof arg !== 'string' || arg.includes('\0') || Buffer.byteLength(arg) > MAX_ARG_BYTES)
      fail('command arguments must be strings without NUL bytes');
  }
  if (spec.command[0] === '') fail('command must name a program');
  if (typeof spec.vars !== 'object' || spec.vars === null) fail('vars must be an object');
  for (const [key, value] of Object.entries(spec.vars)) {
    if (!ENV_KEY.test(key)) fail(`bad variable name "${key.slice(0, 64)}"`);
    if (typeof value !== 'string' || value.includes('\0'))
      fail(`variable ${key} must be a string without NUL`);
  }
  for (const dir of spec.pathPrepend ?? []) {
    const normal = typeof dir === 'string' ? path.posix.normalize(dir) : '';
    if (!normal || path.posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../'))
      fail('pathPrepend entries must be relative paths inside the artifact');
  }
  const limits = spec.limits ?? {};
  for (const [name, value] of Object.entries(limits)) {
    if (value !== undefined && (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)))
      fail(`limit ${name} must be a positive number`);
  }
  if (limits.pids !== undefined && !Number.isInteger(limits.pids)) fail('limit pids must be a whole number');
  if (typeof spec.listen !== 'boolean') fail('listen must be true or false');
  if (spec.image !== undefined && (typeof spec.image !== 'string' || !IMAGE_REF.test(spec.image)))
    fail('image must be an image reference such as berth/stack-node:24');
  if (spec.appInImage !== undefined && typeof spec.appInImage !== 'boolean')
    fail('appInImage must be true or false');
  if (spec.placement !== undefined) {
    if (!Array.isArray(spec.placement) || spec.placement.length > MAX_PLACEMENT_CONSTRAINTS)
      fail(`placement must be a list of at most ${MAX_PLACEMENT_CONSTRAINTS} constraints`);
    for (const c of spec.placement) {
      if (typeof c !== 'string' || normalizePlacementConstraint(c) !== c)
        fail('placement constraints must read KEY==VALUE or KEY!=VALUE (normal form)');
    }
  }
  if (spec.user !== undefined) {
    const { name, uid, gid, home } = spec.user;
    if (typeof name !== 'string' || !USER_NAME.test(name)) fail('user.name must be a user name');
    // Never root, never berthd's own user: an instance always runs as somebody else.
    if (!Number.isSafeInteger(uid) || uid <= 0 || uid === process.getuid?.())
      fail('user.uid must be an app uid');
    if (!Number.isSafeInteger(gid) || gid <= 0) fail('user.gid must be an app gid');
    if (typeof home !== 'string' || !path.isAbsolute(home)) fail('user.home must be an absolute path');
  } else if (process.getuid?.() === 0) {
    fail('an instance needs a user when berthd runs as root');
  }
}

/** The instance a run would be: the same checks apply (and the same settings for drivers). */
export function runAsInstanceSpec(spec: RunSpec): InstanceSpec {
  const { kind, timeoutMs: _timeout, ...rest } = spec;
  return { ...rest, processType: kind, index: 0, listen: false };
}

/** Throws RUNTIME_SPEC_INVALID naming the first problem of a one-off run's spec. */
export function validateRunSpec(spec: RunSpec): void {
  if (spec.kind !== 'release' && spec.kind !== 'run')
    throw new BerthError('RUNTIME_SPEC_INVALID', 'The run spec is not valid: kind must be release or run');
  if (!Number.isSafeInteger(spec.timeoutMs) || spec.timeoutMs <= 0)
    throw new BerthError('RUNTIME_SPEC_INVALID', 'The run spec is not valid: timeoutMs must be positive');
  validateInstanceSpec(runAsInstanceSpec(spec));
}
