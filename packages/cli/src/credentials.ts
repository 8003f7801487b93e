// The credentials file: `$XDG_CONFIG_HOME/berth/config.json` (default `~/.config/berth/config.json`),
// directory 0700, file 0600, holding `{ server, token, username }`. The token is an API token
// created by `berth login`, never the login session.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError, EXIT } from './errors.ts';

export interface Credentials {
  server: string;
  token: string;
  username: string;
}

export interface CredentialStore {
  readonly file: string;
  /** The stored credentials, or undefined when there are none. */
  read(): Credentials | undefined;
  write(credentials: Credentials): void;
  remove(): void;
}

export function credentialsFile(env: Record<string, string | undefined>): string {
  const xdg = env['XDG_CONFIG_HOME'];
  // The XDG spec says relative paths are invalid and must be ignored.
  // HOME from the given environment, not os.homedir() (which reads this process's): in-process
  // runs (tests) each pass their own. Without HOME, the account's home from the password database.
  const home = env['HOME'] || os.userInfo().homedir;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.config');
  return path.join(base, 'berth', 'config.json');
}

export function createCredentialStore(file: string): CredentialStore {
  return {
    file,
    read() {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
      let parsed: Partial<Credentials> | null = null;
      try {
        parsed = JSON.parse(text) as Partial<Credentials>;
      } catch {
        // reported below
      }
      if (
        !parsed ||
        typeof parsed.server !== 'string' ||
        typeof parsed.token !== 'string' ||
        typeof parsed.username !== 'string'
      ) {
        throw new CliError(
          `${file} is damaged; run berth login again`,
          'BAD_CREDENTIALS_FILE',
          EXIT.notLoggedIn,
        );
      }
      return { server: parsed.server, token: parsed.token, username: parsed.username };
    },
    write(credentials) {
      const dir = path.dirname(file);
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      fs.chmodSync(dir, 0o700);
      // Write a private temporary file and rename it over the old one, so the file is never
      // half-written and never readable by others, whatever the umask or the old file's mode.
      const temp = path.join(dir, `.config.json.${process.pid}.tmp`);
      fs.rmSync(temp, { force: true });
      fs.writeFileSync(temp, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      try {
        fs.chmodSync(temp, 0o600);
        fs.renameSync(temp, file);
      } catch (err) {
        fs.rmSync(temp, { force: true });
        throw err;
      }
    },
    remove() {
      fs.rmSync(file, { force: true });
    },
  };
}
