// CLI conventions, run in-process: "did you mean" for mistyped commands and options, and
// BERTH_APP standing in for --app.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/errors.ts';
import { closest, editDistance } from '../src/suggest.ts';
import { runInProcess } from './support/in-process.ts';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-conv-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

// No stored server or credentials: nothing reaches a network.
const cli = (argv: string[], env: Record<string, string> = {}) =>
  runInProcess(argv, { XDG_CONFIG_HOME: home, ...env });

describe('suggestions', () => {
  it('measures edits and picks only close names', () => {
    expect(editDistance('deplyo', 'deploy')).toBe(2);
    expect(editDistance('logs', 'logs')).toBe(0);
    expect(closest('deplyo', ['deploy', 'deploys', 'logs'])).toBe('deploy');
    expect(closest('lgo', ['logs', 'login'])).toBeUndefined();
    expect(closest('xyzzy', ['deploy', 'logs'])).toBeUndefined();
  });

  it('a mistyped command names the one meant', async () => {
    const res = await cli(['deplyo', '.']);
    expect(res.code).toBe(EXIT.usage);
    expect(res.stderr).toMatch(/unknown command 'deplyo'; did you mean 'berth deploy'\?/);
    const sub = await cli(['apps', 'lst']);
    expect(sub.code).toBe(EXIT.usage);
    expect(sub.stderr).toMatch(/unknown command 'berth apps lst'; did you mean 'berth apps list'\?/);
    const far = await cli(['frobnicate']);
    expect(far.stderr).toMatch(/unknown command 'frobnicate'; see berth --help/);
  });

  it('a mistyped option names the one meant', async () => {
    const res = await cli(['ps', '--ap', 'x']);
    expect(res.code).toBe(EXIT.usage);
    expect(res.stderr).toMatch(/Unknown option '--ap'; did you mean '--app'\?/);
  });
});

describe('BERTH_APP', () => {
  it('stands in for --app; without either the command says both', async () => {
    const without = await cli(['ps']);
    expect(without.code).toBe(EXIT.usage);
    expect(without.stderr).toMatch(/--app CODE \(or BERTH_APP\) is required/);
    // With BERTH_APP the command gets past its arguments to the server it does not know.
    const withEnv = await cli(['ps'], { BERTH_APP: 'shop' });
    expect(withEnv.stderr).not.toMatch(/is required/);
    expect(withEnv.stderr).toMatch(/not logged in/);
    const config = await cli(['config', 'list'], { BERTH_APP: 'shop' });
    expect(config.stderr).toMatch(/not logged in/);
  });
});
