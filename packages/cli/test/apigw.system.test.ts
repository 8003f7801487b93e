// `berth apigw` (in-process) against a real berthd: an operator syncs a directory of system files
// (Berth's and BlueKing's shapes) after a dry run that changes nothing, exports them to another
// directory (the canonical files come back byte for byte), removes a file and syncs (its system and
// components go); a bad file is refused with its file and line and nothing changes; a developer may
// list but not sync (403), and does not see hidden components.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOPS_CE_FILE, SOPS_FILE, systemFile } from '../../server/test/apigw/fixtures.ts';
import { systemDialects } from '../../server/test/support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import { type CliHome, type CliResult, expectFailure, expectOk } from './support/cli.ts';
import { createInProcessCli } from './support/in-process.ts';

const PASSWORD = 'apigw-password-1';
const CMDB_FILE = systemFile('CMDB', [
  { name: 'hosts', path: '/v2/cc/hosts/' },
  { name: 'host', path: '/v2/cc/hosts/{id}/' },
]);

/** Exit 0, and stderr only the note given. */
function done(result: CliResult, note: RegExp): CliResult {
  expect(result.code).toBe(0);
  expect(result.stderr).toMatch(note);
  return result;
}

/** Before any sync, the systems list holds the built-in system only. */
function expectOnlyBuiltin(stdout: string): void {
  expect(stdout).toMatch(/berth\s+Berth platform\s+4\s+built in\s+berthd/);
  expect(stdout).not.toContain('BK_SOPS');
}

describe.each(systemDialects())('berth apigw against berthd on %s', (dialect) => {
  let t: TestBerthd;
  let admin: CliHome;
  let ops: CliHome;
  let dev: CliHome;
  let root: string;
  let dir: string;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-apigw-'));
    dir = path.join(root, 'systems');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'BK_SOPS.yaml'), SOPS_FILE);
    fs.writeFileSync(path.join(dir, 'bk_sops_ce.yaml'), SOPS_CE_FILE);
    fs.writeFileSync(path.join(dir, 'CMDB.yml'), CMDB_FILE);
    fs.writeFileSync(path.join(dir, 'README.md'), 'not a system file\n');
    t = await startTestBerthd({ dialect });
    admin = createInProcessCli();
    ops = createInProcessCli();
    dev = createInProcessCli();
    expectOk(
      await admin.run(['login', t.url, '-u', 'admin', '--password-stdin'], { input: `${ADMIN_PASSWORD}\n` }),
    );
    for (const [name, role, home] of [
      ['ops1', 'operator', ops],
      ['dev1', 'developer', dev],
    ] as const) {
      expectOk(
        await admin.run(['users', 'create', name, '--role', role, '--password-stdin'], {
          input: `${PASSWORD}\n`,
        }),
      );
      expectOk(await home.run(['login', t.url, '-u', name, '--password-stdin'], { input: `${PASSWORD}\n` }));
    }
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    for (const home of [admin, ops, dev]) home?.remove();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('prints the plan of a dry run and changes nothing', async () => {
    const out = done(
      await ops.run(['apigw', 'sync', dir, '--dry-run']),
      /^Dry run: nothing was changed\.\n$/,
    ).stdout;
    expect(out.split('\n')).toEqual([
      '+ add system BK_SOPS',
      '+ add system BK_SOPS_CE',
      '+ add system CMDB',
      '+ add component BK_SOPS/get_template_list',
      '+ add component BK_SOPS/create_task',
      '+ add component BK_SOPS/any_call',
      '+ add component BK_SOPS_CE/get_template_list',
      '+ add component BK_SOPS_CE/start_task',
      '+ add component CMDB/hosts',
      '+ add component CMDB/host',
      '',
    ]);
    expectOnlyBuiltin(expectOk(await ops.run(['apigw', 'systems'])).stdout);
  });

  it('refuses a developer (403) and a bad file, changing nothing', async () => {
    expectFailure(await dev.run(['apigw', 'sync', dir]), 1, 'FORBIDDEN');
    const bad = path.join(root, 'bad');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'BK_SOPS.yaml'), SOPS_FILE);
    fs.writeFileSync(path.join(bad, 'X.yaml'), 'system:\n  name: X\n  label: X\n  timeout: soon\n');
    const refused = await ops.run(['apigw', 'sync', bad]);
    expectFailure(refused, 1, 'APIGW_YAML_INVALID');
    expect(refused.stderr).toMatch(/X\.yaml:4 \(system\.timeout\): "soon" is not a duration/);
    expectOnlyBuiltin(expectOk(await ops.run(['apigw', 'systems'])).stdout);
  });

  it('syncs, and a second sync has nothing to change', async () => {
    const out = done(await ops.run(['apigw', 'sync', dir]), /^Applied 10 changes\.\n$/).stdout;
    expect(out).toContain('+ add component CMDB/host\n');
    expect(expectOk(await ops.run(['apigw', 'sync', dir])).stdout).toBe('nothing to change\n');
    const systems = expectOk(await dev.run(['apigw', 'systems'])).stdout;
    expect(systems).toMatch(/BK_SOPS\s+Standard operations\s+bk-sops\s+2\s+\S+ \S+\s+ops1/);
    expect(systems).toMatch(/CMDB\s+CMDB label\s+2/);
  });

  it('exports to another directory: the canonical files come back byte for byte', async () => {
    const out = path.join(root, 'export');
    done(await ops.run(['apigw', 'export', out]), /^Wrote 3 system files/);
    expect(fs.readdirSync(out).sort()).toEqual(['BK_SOPS.yaml', 'BK_SOPS_CE.yaml', 'CMDB.yaml']);
    expect(fs.readFileSync(path.join(out, 'BK_SOPS.yaml'), 'utf8')).toBe(SOPS_FILE);
    expect(fs.readFileSync(path.join(out, 'CMDB.yaml'), 'utf8')).toBe(CMDB_FILE);
    // The BlueKing file comes back in Berth's shape, and syncing that changes nothing.
    expect(fs.readFileSync(path.join(out, 'BK_SOPS_CE.yaml'), 'utf8')).toContain(
      'dest: { app: bk-sops-ce, env: prod, path: "/apigw/get_template_list/{bk_biz_id}/" }',
    );
    expect(expectOk(await ops.run(['apigw', 'sync', out, '--dry-run'])).stdout).toBe('nothing to change\n');
    // Again into the same directory: the same files are written over.
    done(await ops.run(['apigw', 'export', out]), /^Wrote 3/);
    // A directory with other files needs --force, which leaves them.
    const refused = await ops.run(['apigw', 'export', dir]);
    expectFailure(refused, 2, 'USAGE');
    expect(refused.stderr).toMatch(/holds other files \(CMDB\.yml, README\.md, bk_sops_ce\.yaml\)/);
    done(await ops.run(['apigw', 'export', dir, '--force']), /^Wrote 3/);
    expect(fs.existsSync(path.join(dir, 'README.md'))).toBe(true);
    fs.rmSync(path.join(dir, 'BK_SOPS_CE.yaml'));
    fs.rmSync(path.join(dir, 'CMDB.yaml'));
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    expectFailure(await dev.run(['apigw', 'export', path.join(root, 'dev')]), 1, 'FORBIDDEN');
  });

  it('shows components, hidden ones to operators only', async () => {
    const shown = expectOk(await dev.run(['apigw', 'components', '--system', 'BK_SOPS'])).stdout;
    expect(shown).toMatch(
      /BK_SOPS\s+get_template_list\s+GET\s+\/v2\/sops\/get_template_list\/\{bk_biz_id\}\//,
    );
    expect(shown).not.toContain('create_task');
    const all = expectOk(await ops.run(['apigw', 'components', '--system', 'BK_SOPS'])).stdout;
    expect(all).toMatch(
      /create_task\s+POST\s+\/v2\/sops\/create_task\/\s+bk-sops stag \/apigw\/create_task\/\s+operate\s+sensitive\s+hidden/,
    );
    const one = expectOk(await dev.run(['apigw', 'show', 'BK_SOPS_CE'])).stdout;
    expect(one).toMatch(/Name:\s+BK_SOPS_CE/);
    expect(one).toMatch(/start_task\s+POST\s+\/v2\/bk_sops_ce\/start_task\/\s+bk-sops-ce stag/);
    expectFailure(await dev.run(['apigw', 'show', 'NOPE']), 1, 'APIGW_SYSTEM_NOT_FOUND');
  });

  it('removes the system and components of a file that is gone', async () => {
    fs.rmSync(path.join(dir, 'CMDB.yml'));
    const out = done(await ops.run(['apigw', 'sync', dir]), /^Applied 3 changes\.\n$/).stdout;
    expect(out).toBe('- remove system CMDB\n- remove component CMDB/hosts\n- remove component CMDB/host\n');
    expectFailure(await ops.run(['apigw', 'components', '--system', 'CMDB']), 1, 'APIGW_SYSTEM_NOT_FOUND');
    const all = JSON.parse(expectOk(await ops.run(['apigw', 'components', '--json'])).stdout);
    expect(all.items.map((c: { system: string }) => c.system)).not.toContain('CMDB');
    // Five declared, and the built-in system's four.
    expect(all.items).toHaveLength(9);
  });

  it('shows the built-in system berth, answered by berthd', async () => {
    const one = expectOk(await dev.run(['apigw', 'show', 'berth'])).stdout;
    expect(one).toMatch(/Updated:\s+built into berthd/);
    expect(one).toMatch(/get_user\s+GET\s+\/users\/\{username\}\s+\(berthd, built in\)\s+query\s+sensitive/);
  });
});
