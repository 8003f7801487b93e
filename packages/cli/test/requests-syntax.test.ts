// The syntax of deploy requests and policies on the command line, without a server: the request
// window's times (`--at 02:00`, ISO 8601), the policy's `--roles`, `--approvers` and `--approval`,
// and the usage errors the request, approval and policy commands give before any request.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rolesText } from '../src/commands/policy.ts';
import { windowText } from '../src/commands/request-view.ts';
import { EXIT } from '../src/errors.ts';
import { AT_HELP, parseAt } from '../src/since.ts';
import { onOff, policyRoles, usernameList } from '../src/validate.ts';
import { unreachable } from './support/cli.ts';
import { runInProcess } from './support/in-process.ts';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-requests-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function cli(argv: string[], env: Record<string, string> = {}) {
  return runInProcess(argv, { env: { XDG_CONFIG_HOME: home, ...env } });
}

/** A local time on a given day, as epoch ms. */
function local(year: number, month: number, day: number, hours: number, minutes: number): number {
  return new Date(year, month - 1, day, hours, minutes, 0, 0).getTime();
}

describe('request times (--at, --until)', () => {
  it('reads HH:MM as the next such local time: today while it is to come, else tomorrow', () => {
    const evening = local(2026, 12, 5, 21, 30);
    expect(parseAt('02:00', evening, 'at')).toBe(local(2026, 12, 6, 2, 0));
    expect(parseAt('23:15', evening, 'at')).toBe(local(2026, 12, 5, 23, 15));
    expect(parseAt('7:05', evening, 'at')).toBe(local(2026, 12, 6, 7, 5));
    // The very minute given is past already: the next day's.
    expect(parseAt('21:30', evening, 'at')).toBe(local(2026, 12, 6, 21, 30));
    // Across a month's and a year's end.
    expect(parseAt('00:30', local(2026, 12, 31, 23, 0), 'at')).toBe(local(2027, 1, 1, 0, 30));
  });

  it('reads ISO 8601 and epoch milliseconds as they are', () => {
    const now = local(2026, 12, 5, 21, 30);
    expect(parseAt('2026-12-07T02:00:00Z', now, 'at')).toBe(Date.UTC(2026, 11, 7, 2, 0));
    expect(parseAt('2026-12-07T03:00+01:00', now, 'until')).toBe(Date.UTC(2026, 11, 7, 2, 0));
    expect(parseAt('1796000000000', now, 'at')).toBe(1_796_000_000_000);
  });

  it("refuses anything else in the help text's words", () => {
    for (const bad of ['24:00', '2:5', '02:60', 'tomorrow', '10m', '2026-13-01', '']) {
      expect(() => parseAt(bad, Date.now(), 'at'), bad).toThrow(`--at takes ${AT_HELP}, not '${bad}'`);
    }
  });

  it('shows a window as from, until or both', () => {
    const from = Date.UTC(2026, 11, 6, 2, 0);
    const until = Date.UTC(2026, 11, 6, 4, 0);
    expect(windowText({ notBefore: from })).toBe('from 2026-12-06 02:00:00Z');
    expect(windowText({ notAfter: until })).toBe('until 2026-12-06 04:00:00Z');
    expect(windowText({ notBefore: from, notAfter: until })).toBe(
      '2026-12-06 02:00:00Z – 2026-12-06 04:00:00Z',
    );
    expect(windowText({})).toBe('');
    expect(windowText(undefined)).toBe('');
  });
});

describe('policy syntax (--roles, --approvers, --approval)', () => {
  it('reads ACTION=ROLE,… entries separated by semicolons, none for nobody', () => {
    expect(policyRoles('deploy=admin,operator;run=admin')).toEqual({
      deploy: ['admin', 'operator'],
      run: ['admin'],
    });
    expect(policyRoles(' deploy = admin , operator ; rollback=none ;')).toEqual({
      deploy: ['admin', 'operator'],
      rollback: [],
    });
    expect(policyRoles('approve=admin,admin')).toEqual({ approve: ['admin'] });
    // The empty string narrows nothing: every action gets its defaults.
    expect(policyRoles('')).toEqual({});
  });

  it('prints roles back in the syntax it reads', () => {
    const roles = { deploy: ['admin', 'operator'], run: [] } as const;
    const text = rolesText({ deploy: [...roles.deploy], run: [] });
    expect(text).toBe('deploy=admin,operator;run=none');
    expect(policyRoles(text)).toEqual({ deploy: ['admin', 'operator'], run: [] });
    expect(rolesText({})).toBe('');
  });

  it('refuses unknown actions and roles, an action twice, empty lists and roles beyond the defaults', () => {
    expect(() => policyRoles('deploy')).toThrow(/'deploy' is not ACTION=ROLE/);
    expect(() => policyRoles('app.delete=admin')).toThrow(/'app.delete' is not an action a policy decides/);
    expect(() => policyRoles('deploy=root')).toThrow(/unknown role 'root'/);
    expect(() => policyRoles('deploy=admin;deploy=operator')).toThrow(/deploy is given twice/);
    expect(() => policyRoles('deploy=')).toThrow(/deploy= needs roles \(or none\)/);
    expect(() => policyRoles('deploy=admin,,operator')).toThrow(/needs roles/);
    // Auditors never deploy, developers never approve: a policy cannot make them.
    expect(() => policyRoles('deploy=auditor')).toThrow(/only narrows who may deploy .*so not auditor/);
    expect(() => policyRoles('approve=admin,developer')).toThrow(/so not developer/);
  });

  it('reads approvers as a comma-separated list of usernames, the empty string as none', () => {
    expect(usernameList('approvers', 'alice,bob')).toEqual(['alice', 'bob']);
    expect(usernameList('approvers', ' alice , bob ')).toEqual(['alice', 'bob']);
    expect(usernameList('approvers', '')).toEqual([]);
    expect(() => usernameList('approvers', 'alice,alice')).toThrow(/alice is given twice/);
    expect(() => usernameList('approvers', 'Alice')).toThrow(/'Alice' is not a username/);
    expect(() => usernameList('approvers', 'alice,')).toThrow(/'' is not a username/);
  });

  it('reads --approval as on or off', () => {
    expect(onOff('approval', 'on')).toBe(true);
    expect(onOff('approval', 'off')).toBe(false);
    expect(() => onOff('approval', 'yes')).toThrow("--approval takes on or off, not 'yes'");
  });
});

describe('checks before any request', () => {
  /** argv from a string split at spaces, or as it is. */
  const args = (argv: string | string[]) => (typeof argv === 'string' ? argv.split(' ') : argv);
  const usage = async (argv: string | string[], message: RegExp) => {
    const res = await cli(args(argv), await unreachable());
    expect(res.code, String(argv)).toBe(EXIT.usage);
    expect(res.stderr, String(argv)).toMatch(message);
    expect(res.stderr).toMatch(/\(USAGE\)\n$/);
  };

  it('refuse needs a reason', async () => {
    await usage('refuse dep_x', /--reason TEXT is required/);
    await usage(['refuse', 'dep_x', '--reason', '  '], /--reason needs some text/);
  });

  it('requests create needs one thing to ask for, and its options where they belong', async () => {
    const create = 'requests create --app shop';
    const oneOf = /give one of --promote, --rollback, --package, --ref and --image/;
    await usage(create, oneOf);
    await usage(`${create} --promote --rollback`, oneOf);
    await usage(`${create} --ref main --image shop:1`, oneOf);
    await usage(`${create} --promote --env stag`, /goes to prod/);
    await usage(`${create} --rollback dir`, /DIR or FILE goes with --package/);
    await usage(`${create} --package --version 2`, /--version goes with/);
    await usage(`${create} --rollback --version x`, /not a release version/);
    await usage(`${create} --promote --at soon`, /--at takes HH:MM/);
    await usage(`${create} --promote --until 2020-01-01T00:00:00Z`, /--until 2020-01-01T00:00:00Z is past/);
    await usage(`${create} --promote --at 2030-01-02T00:00Z --until 2030-01-01T00:00Z`, /later than --at/);
    await usage(`${create} --package /nonexistent-dir`, /is not a directory or a file/);
    await usage('requests list --pending --mine', /give one of --pending, --to-approve and --mine/);
  });

  it('--note, --at and --until go with --request; --emergency not with it', async () => {
    await usage('deploy . --app shop --note why', /--note goes with --request/);
    await usage('promote --app shop --at 02:00', /--at goes with --request/);
    await usage('rollback --app shop --until 03:00', /--until goes with --request/);
    await usage('rollback --app shop --env prod --request --emergency down', /give one of them/);
  });

  it('policy set needs --env and something to change; policy show a known environment', async () => {
    await usage('policy set --app shop --approval on', /--env is required/);
    await usage('policy set --app shop --env prod', /nothing to change/);
    await usage('policy set --app shop --env prod --roles deploy=auditor', /so not auditor/);
    await usage('policy show --app shop --env dev', /unknown environment 'dev'/);
    await usage('permissions', /--app CODE \(or BERTH_APP\) is required/);
  });

  it('good arguments get as far as the request', async () => {
    const server = await unreachable();
    for (const argv of [
      'requests --pending',
      'requests create --app shop --promote --at 02:00 --until 04:00 --note n',
      'requests withdraw dep_x --reason gone',
      'approve dep_x --wait',
      'refuse dep_x --reason later',
      'rollback --app shop --env prod --emergency down',
      'promote --app shop --request --at 02:00',
      'policy --app shop',
      ['policy', 'set', '--app', 'shop', '--env', 'prod', '--approvers', '', '--roles', ''],
      'permissions --app shop',
    ]) {
      expect((await cli(args(argv), server)).code, String(argv)).toBe(EXIT.network);
    }
  });
});
