// CLI conventions, run in-process and without a server: "did you mean" for mistyped commands and
// options, BERTH_APP standing in for --app, `berth help`, `apps info|update|delete --app`, shell
// completion, the one --since grammar and the client-side checks that fail before any request, the
// colour decision, and Ctrl-C at a prompt.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/errors.ts';
import { createOutput } from '../src/output.ts';
import { GROUPS } from '../src/run.ts';
import { WHEN_HELP } from '../src/since.ts';
import { closest, editDistance } from '../src/suggest.ts';
import { colourWanted } from '../src/terminal.ts';
import { unreachable } from './support/cli.ts';
import { runInProcess } from './support/in-process.ts';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-cli-conv-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function cli(argv: string[], env: Record<string, string> = {}) {
  // No stored server or credentials: nothing reaches a network.
  return runInProcess(argv, { env: { XDG_CONFIG_HOME: home, ...env } });
}

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

describe('berth help', () => {
  it('prints what --help prints, for berth, every command and every subcommand', async () => {
    const top = await cli(['help']);
    expect(top.code).toBe(EXIT.ok);
    expect(top.stdout).toBe((await cli(['--help'])).stdout);
    for (const group of GROUPS) {
      const help = await cli(['help', group.name]);
      expect(help.code, group.name).toBe(EXIT.ok);
      expect(help.stderr).toBe('');
      expect(help.stdout).toBe((await cli([group.name, '--help'])).stdout);
      if (group.single) continue;
      for (const command of group.commands) {
        const sub = await cli(['help', group.name, command.name]);
        expect(sub.code, `${group.name} ${command.name}`).toBe(EXIT.ok);
        expect(sub.stdout).toBe((await cli([group.name, command.name, '--help'])).stdout);
        expect(sub.stdout).toMatch(new RegExp(`^Usage: berth ${group.name} ${command.name}`));
      }
    }
  });

  it('names the command meant for an unknown one', async () => {
    const typo = await cli(['help', 'aps']);
    expect(typo.code).toBe(EXIT.usage);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toMatch(/unknown command 'aps'; did you mean 'berth apps'\?/);
    const far = await cli(['help', 'nonsense']);
    expect(far.code).toBe(EXIT.usage);
    expect(far.stderr).toMatch(/unknown command 'nonsense'; see berth --help/);
    const sub = await cli(['help', 'apps', 'infi']);
    expect(sub.code).toBe(EXIT.usage);
    expect(sub.stderr).toMatch(/did you mean 'berth apps info'\?/);
  });
});

describe('apps info|update|delete', () => {
  it('take the app as CODE, --app CODE or BERTH_APP; CODE and --app must agree', async () => {
    const server = await unreachable();
    for (const argv of [
      ['apps', 'info', 'shop'],
      ['apps', 'info', '--app', 'shop'],
      ['apps', 'info', 'shop', '--app', 'shop'],
      ['apps', 'update', '--app', 'shop', '--name', 'Shop'],
      ['apps', 'delete', '-a', 'shop', '--yes'],
    ]) {
      // The command got as far as the request: the server is not there.
      expect((await cli(argv, server)).code, argv.join(' ')).toBe(EXIT.network);
    }
    expect((await cli(['apps', 'info'], { ...server, BERTH_APP: 'shop' })).code).toBe(EXIT.network);

    const both = await cli(['apps', 'info', 'shop', '--app', 'other'], server);
    expect(both.code).toBe(EXIT.usage);
    expect(both.stderr).toMatch(/the app is given twice, as 'shop' and as --app other/);
    const none = await cli(['apps', 'delete', '--yes'], server);
    expect(none.code).toBe(EXIT.usage);
    expect(none.stderr).toMatch(/CODE \(or --app CODE, or BERTH_APP\) is required/);
  });
});

describe('shell completion', () => {
  const words = (script: string) => new Set(script.split(/[\s'()|=:]+/));

  for (const shell of ['bash', 'zsh']) {
    it(`the ${shell} script names every command, subcommand and option`, async () => {
      const res = await cli(['completion', shell]);
      expect(res.code).toBe(EXIT.ok);
      expect(res.stderr).toBe('');
      const said = words(res.stdout);
      for (const group of GROUPS) {
        expect(said.has(group.name), group.name).toBe(true);
        for (const command of group.commands) {
          if (!group.single) expect(said.has(command.name), `${group.name} ${command.name}`).toBe(true);
          for (const option of Object.keys(command.options ?? {})) {
            expect(said.has(`--${option}`), `${group.name} ${command.name} --${option}`).toBe(true);
          }
        }
      }
      for (const global of ['--server', '--json', '--help', '--version']) expect(said.has(global)).toBe(true);
    });
  }

  it('bash accepts the bash script, and it completes commands and options', async () => {
    const script = (await cli(['completion', 'bash'])).stdout;
    const file = path.join(home, 'berth.bash');
    fs.writeFileSync(file, script);
    const syntax = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
    expect(syntax.stderr).toBe('');
    expect(syntax.status).toBe(0);
    // Completing `berth dep` and `berth apps info --a` in a real bash.
    const complete = (line: string[]) =>
      spawnSync(
        'bash',
        [
          '-c',
          `source "$1"; COMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${line.length - 1}; _berth; printf '%s\\n' "\${COMPREPLY[@]}"`,
          'complete',
          file,
        ],
        { encoding: 'utf8' },
      ).stdout.trim();
    expect(complete(['berth', 'dep']).split('\n').sort()).toEqual(['deploy', 'deploys']);
    expect(complete(['berth', 'apps', 'info', '--a'])).toBe('--app');
    // `berth config --app x --r…`: the default command's options.
    expect(complete(['berth', 'config', '--app', 'x', '--en'])).toBe('--env');
    expect(complete(['berth', 'completion', 'z'])).toBe('zsh');
    expect(complete(['berth', 'help', 'dep']).split('\n').sort()).toEqual(['deploy', 'deploys']);
  });

  // .ci/run installs zsh; where it is missing (a developer's machine) this one test is skipped.
  const zsh = spawnSync('zsh', ['--version']).status === 0;
  it.skipIf(!zsh)('zsh accepts the zsh script (runs where zsh is installed)', async () => {
    const file = path.join(home, 'berth.zsh');
    fs.writeFileSync(file, (await cli(['completion', 'zsh'])).stdout);
    const syntax = spawnSync('zsh', ['-n', file], { encoding: 'utf8' });
    expect(syntax.stderr).toBe('');
    expect(syntax.status).toBe(0);
  });

  it('refuses a shell it has no script for', async () => {
    const res = await cli(['completion', 'fish']);
    expect(res.code).toBe(EXIT.usage);
    expect(res.stderr).toMatch(/unknown shell 'fish' \(shells: bash, zsh\)/);
  });
});

describe('checks before any request', () => {
  it("refuses a bad --since everywhere it is taken, in the help text's words", async () => {
    const server = await unreachable();
    for (const argv of [
      ['logs', '--app', 'shop', '--since', 'yesterday'],
      ['audit', '--since', '10 minutes'],
      ['audit', '--until', '2026-13-45'],
    ]) {
      const res = await cli(argv, server);
      expect(res.code, argv.join(' ')).toBe(EXIT.usage);
      expect(res.stderr).toContain(`takes ${WHEN_HELP}, not '`);
      const option = argv.includes('--until') ? 'until' : 'since';
      const help = (await cli([argv[0]!, '--help'])).stdout;
      expect(help).toMatch(new RegExp(`--${option} WHEN\\s+.*${WHEN_HELP}`));
    }
    // Good values get as far as the request.
    for (const argv of [
      ['logs', '--app', 'shop', '--since', '10m'],
      ['logs', '--app', 'shop', '--since', '2026-11-23T14:00:00Z'],
      ['audit', '--since', '3d', '--until', '2026-11-23'],
    ]) {
      expect((await cli(argv, server)).code, argv.join(' ')).toBe(EXIT.network);
    }
  });

  it('refuses bad app codes, environments, counts, config names, numbers, roles and statuses', async () => {
    const server = await unreachable();
    const cases: Array<[string[], RegExp]> = [
      [
        ['ps', '--app', 'Shop!'],
        /'Shop!' is not an app code \(a lowercase letter, then 1-29 of a-z 0-9 _ -\)/,
      ],
      [['apps', 'create', '9lives', '--name', 'Nine'], /'9lives' is not an app code/],
      [['apps', 'secret', 'x'], /'x' is not an app code/],
      [['apps', 'members', 'shop', 'invite', 'ann'], /usage: berth apps members CODE/],
      [
        ['config', '--app', 'shop', '--env', 'production'],
        /unknown environment 'production' \(environments: stag, prod\)/,
      ],
      [['config', 'set', 'NO EQUALS', '--app', 'shop'], /'NO EQUALS' is not KEY=VALUE/],
      [['config', 'set', '1ST=x', '--app', 'shop'], /'1ST' is not a config var name \(a letter or _/],
      [['config', 'unset', 'BAD-NAME', '--app', 'shop'], /'BAD-NAME' is not a config var name/],
      [['config', 'get', 'A.B', '--app', 'shop'], /'A.B' is not a config var name/],
      [['scale', 'web=two', '--app', 'shop'], /'web=two' is not TYPE=COUNT/],
      [['scale', 'web=5000', '--app', 'shop'], /a count is a whole number from 0 to 100/],
      [['scale', 'Web=1', '--app', 'shop'], /'Web' is not a process type/],
      [['rollback', 'latest', '--app', 'shop'], /'latest' is not a release version/],
      [['logs', '--app', 'shop', '-n', '0'], /--lines must be a whole number of at least 1, not '0'/],
      [['audit', '--limit', 'ten'], /--limit must be a whole number of at least 1/],
      [['jobs', 'list', '--limit', '0'], /--limit must be a whole number/],
      [['jobs', 'list', '--status', 'done'], /unknown status 'done' \(statuses: queued, running/],
      [['jobs', 'list', '--app', 'A'], /'A' is not an app code/],
      [['tokens', 'create', 'ci', '--expires-in-days', '1.5'], /--expires-in-days must be a whole number/],
      [['users', 'create', 'Ann', '--role', 'developer'], /'Ann' is not a username/],
      [['users', 'create', 'ann', '--role', 'boss'], /unknown role 'boss'/],
      [['users', 'set', 'ann', '--role', 'boss'], /unknown role 'boss'/],
      [['completion', 'tcsh'], /unknown shell 'tcsh'/],
    ];
    for (const [argv, message] of cases) {
      const res = await cli(argv, server);
      expect({ argv, code: res.code }).toEqual({ argv, code: EXIT.usage });
      expect(res.stderr).toMatch(message);
      expect(res.stdout).toBe('');
    }
  });

  it('words the checks as the help does', async () => {
    expect((await cli(['apps', 'create', '--help'])).stdout).toContain(
      'CODE: a lowercase letter, then 1-29 of a-z 0-9 _ -',
    );
    expect((await cli(['scale', '--help'])).stdout).toContain('COUNT: a whole number from 0 to 100');
    expect((await cli(['scale', '--help'])).stdout).toContain('TYPE: a lowercase letter, then up to 63');
  });
});

describe('colour', () => {
  const tty = Object.assign(new PassThrough(), { isTTY: true });
  const pipe = new PassThrough();

  it('only on a TTY, never with NO_COLOR or TERM=dumb, and FORCE_COLOR forces it', () => {
    expect(colourWanted(tty, {})).toBe(true);
    expect(colourWanted(pipe, {})).toBe(false);
    expect(colourWanted(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colourWanted(tty, { NO_COLOR: 'no' })).toBe(false);
    expect(colourWanted(tty, { TERM: 'dumb' })).toBe(false);
    expect(colourWanted(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourWanted(tty, { TERM: 'dumb', FORCE_COLOR: '1' })).toBe(true);
    expect(colourWanted(pipe, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourWanted(tty, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    // no-color.org: an empty NO_COLOR is as if unset.
    expect(colourWanted(tty, { NO_COLOR: '' })).toBe(true);
  });

  it("keeps a log line's colour codes only where colour is wanted", () => {
    let coloured = '';
    let plain = '';
    const a = new PassThrough().on('data', (d) => {
      coloured += d;
    });
    const b = new PassThrough().on('data', (d) => {
      plain += d;
    });
    createOutput(a, b, { stdout: true, stderr: false }).log('\x1b[32mready\x1b[0m \x07bell');
    createOutput(a, b, { stdout: true, stderr: false }).log('\x1b[32mready\x1b[0m \x07bell', 'stderr');
    expect(coloured).toBe('\x1b[32mready\x1b[0m \\x07bell\n');
    expect(plain).toBe('ready \\x07bell\n');
  });
});

describe('Ctrl-C', () => {
  it('ends any command with 130, here a command waiting for stdin', async () => {
    const interrupt = new AbortController();
    const running = runInProcess(['users', 'create', 'ann', '--role', 'developer', '--password-stdin'], {
      env: { XDG_CONFIG_HOME: home, ...(await unreachable()) },
      interrupt: interrupt.signal,
      input: null,
    });
    setImmediate(() => interrupt.abort());
    const res = await running;
    expect(res.code).toBe(EXIT.interrupted);
    expect(res.stderr).toMatch(/^berth: interrupted \(INTERRUPTED\)\n$/);
  });
});
