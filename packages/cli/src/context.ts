// Builds what a command gets: its arguments and options, output, prompts, and (on demand) an API
// client with the credentials of the environment or the credentials file.
import type { CommandContext, Io } from './command.ts';
import { createCredentialStore, credentialsFile } from './credentials.ts';
import { notLoggedIn } from './errors.ts';
import { cliClient } from './http-fetch.ts';
import { createOutput } from './output.ts';
import { normalizeServerUrl } from './server-url.ts';
import { colourWanted, createTerminal } from './terminal.ts';

export type OptionValues = Record<string, string | string[] | boolean | undefined>;

export function createContext(io: Io, values: OptionValues, args: string[]): CommandContext {
  const credentials = createCredentialStore(credentialsFile(io.env));
  const env = (name: string) => {
    const value = io.env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const strs = (name: string): string[] => {
    const value = values[name];
    return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  };
  const str = (name: string) => strs(name).at(-1);
  const server = () => {
    const raw = str('server') ?? env('BERTH_URL') ?? credentials.read()?.server;
    return raw === undefined ? undefined : normalizeServerUrl(raw);
  };
  return {
    io,
    args,
    json: values['json'] === true,
    exitCode: 0,
    signal: io.interrupt ?? new AbortController().signal,
    out: createOutput(io.stdout, io.stderr, {
      stdout: colourWanted(io.stdout, io.env),
      stderr: colourWanted(io.stderr, io.env),
    }),
    terminal: createTerminal(io.stdin, io.stderr),
    credentials,
    str,
    strs,
    flag: (name) => values[name] === true,
    server,
    client() {
      const envToken = env('BERTH_TOKEN');
      const token = envToken ?? credentials.read()?.token;
      const baseUrl = server();
      if (!token) throw notLoggedIn();
      if (!baseUrl) throw notLoggedIn('no server known; run berth login URL first or set BERTH_URL');
      return cliClient({ baseUrl, token });
    },
  };
}
