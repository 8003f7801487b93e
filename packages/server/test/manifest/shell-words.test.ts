// Commands are split like a shell splits words, and everything else a shell would do is refused.
import { describe, expect, it } from 'vitest';
import { splitCommand } from '../../src/manifest/index.ts';

const argv = (line: string) => {
  const r = splitCommand(line);
  if (!r.ok) throw new Error(`${line}: ${r.reason}`);
  return r.argv;
};

describe('splitCommand', () => {
  it.each([
    ['node server.js', ['node', 'server.js']],
    ['  gunicorn   wsgi -w 4\t--bind :8000 ', ['gunicorn', 'wsgi', '-w', '4', '--bind', ':8000']],
    [`echo 'single $HOME | quoted'`, ['echo', 'single $HOME | quoted']],
    ['echo "double \\"quoted\\" \\\\ text"', ['echo', 'double "quoted" \\ text']],
    ['echo a\\ b c', ['echo', 'a b', 'c']],
    [`python -c 'print("hi; there")'`, ['python', '-c', 'print("hi; there")']],
    [`echo ''`, ['echo', '']],
    ['echo pre"mid"post', ['echo', 'premidpost']],
    ['node --max-old-space-size=256 app.js', ['node', '--max-old-space-size=256', 'app.js']],
    ['echo "a * b" \'[x]\' \\*', ['echo', 'a * b', '[x]', '*']],
    ['echo price$ 5', ['echo', 'price$', '5']],
    ['npm run build -- --mode=prod', ['npm', 'run', 'build', '--', '--mode=prod']],
  ])('splits %s', (line, expected) => {
    expect(argv(line)).toEqual(expected);
  });

  it.each([
    ['node a.js | tee log', 'pipe'],
    ['npm ci && npm run build', '&&'],
    ['node a.js &', 'background'],
    ['a; b', ';'],
    ['node a.js > out.log', 'redirection'],
    ['node < in', 'redirection'],
    ['echo `id`', 'substitution'],
    ['echo "`id`"', 'substitution'],
    ['echo $(id)', '$('],
    ['echo "$(id)"', '$('],
    ['node $APP', 'variable'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax under test
    ['node ${APP}', 'variable'],
    ['node "$APP"', 'variable'],
    ['ls *.js', 'glob'],
    ['ls file?.txt', 'glob'],
    ['ls [ab]', 'glob'],
    ['(cd x)', 'subshell'],
    ['node a.js # comment', 'comment'],
    ['cat ~/x', '~'],
    ['NODE_ENV=production node server.js', 'env:'],
    ["echo $'\\n'", '$-quoted'],
    ['node a.js\nnode b.js', 'line break'],
  ])('refuses %j as unsafe', (line, mention) => {
    const r = splitCommand(line);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.kind).toBe('unsafe');
      expect(r.reason).toContain(mention);
    }
  });

  it.each([
    ["echo 'open", 'single quote'],
    ['echo "open', 'double quote'],
    ['echo \\', 'backslash'],
    ['   ', 'empty'],
  ])('refuses %j as a syntax error', (line, mention) => {
    const r = splitCommand(line);
    expect(r).toMatchObject({ ok: false, kind: 'syntax' });
    if (!r.ok) expect(r.reason).toContain(mention);
  });

  it('keeps leading assignments apart only when asked (package.json scripts)', () => {
    const r = splitCommand('NODE_ENV=production PORT_HINT="a b" node server.js x=1', {
      allowAssignments: true,
    });
    expect(r).toEqual({
      ok: true,
      argv: ['node', 'server.js', 'x=1'],
      assignments: [
        ['NODE_ENV', 'production'],
        ['PORT_HINT', 'a b'],
      ],
    });
    expect(splitCommand('"A=1" node', { allowAssignments: true })).toMatchObject({
      ok: true,
      argv: ['A=1', 'node'],
    });
  });
});
