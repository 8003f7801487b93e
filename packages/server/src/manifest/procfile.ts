// Heroku-style Procfile: `name: command` per line, `#` comments. A `release:` line is the release
// command, as on Heroku. A line is the app's own code and runs as Heroku and Dokku run it: kept as
// written and given to the instance's `/bin/sh -c` (as the app's user, with its environment), so
// `web: python3 -m http.server $PORT` works unchanged. Berth only checks it (not empty, no NUL,
// not too long); it never puts anything of its own into the line.
import type { ProcessSpec } from './app-manifest.ts';
import { type ManifestOrigin, manifestInvalid } from './manifest-error.ts';
import { MANIFEST_LIMITS, PROCESS_NAME_PATTERN } from './manifest-schema.ts';

export interface Procfile {
  processes: Record<string, ProcessSpec>;
  release: string[] | undefined;
}

const NAME = new RegExp(PROCESS_NAME_PATTERN);
/** The shell that runs a Procfile line: the instance's own (the stack's, or the image's on Docker). */
const PROCFILE_SHELL: readonly string[] = Object.freeze(['/bin/sh', '-c']);

export function parseProcfile(text: string, file = 'Procfile'): Procfile {
  const processes: Record<string, ProcessSpec> = {};
  let release: string[] | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const origin: ManifestOrigin = { file: `${file}:${index + 1}` };
    const match = /^([A-Za-z0-9_-]+)\s*:\s*(.*)$/.exec(line);
    if (!match) throw manifestInvalid(origin, [], 'expected "name: command"');
    const name = match[1]!.toLowerCase();
    const text = match[2]!;
    if (!NAME.test(name)) {
      throw manifestInvalid(
        origin,
        [],
        `"${match[1]}" is not a process name (a letter, then a-z 0-9 _ -, up to 30)`,
      );
    }
    if (text.length > MANIFEST_LIMITS.maxCommandChars) {
      throw manifestInvalid(
        origin,
        [name],
        `the command is longer than ${MANIFEST_LIMITS.maxCommandChars} characters`,
      );
    }
    const argv = procfileCommand(origin, name, text);
    if (name === 'release') {
      if (release) throw manifestInvalid(origin, [name], 'is declared twice');
      release = argv;
      return;
    }
    if (Object.hasOwn(processes, name)) throw manifestInvalid(origin, [name], 'is declared twice');
    processes[name] = { command: argv, count: 1 };
    if (Object.keys(processes).length > MANIFEST_LIMITS.maxProcessTypes) {
      throw manifestInvalid(origin, [], `more than ${MANIFEST_LIMITS.maxProcessTypes} process types`);
    }
  });
  if (Object.keys(processes).length === 0) {
    throw manifestInvalid({ file }, [], 'declares no process (expected lines like "web: node server.js")');
  }
  return { processes, release };
}

function procfileCommand(origin: ManifestOrigin, name: string, line: string): string[] {
  if (line === '') throw manifestInvalid(origin, [name], 'the command is empty');
  if (line.includes('\0')) throw manifestInvalid(origin, [name], 'contains a NUL character');
  return [...PROCFILE_SHELL, line];
}
