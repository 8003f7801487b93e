// Where the CLI keeps its credentials comes from the environment it is given (io.env), never from
// the process it runs in: in-process runs (tests, embedders) each pass their own HOME.
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { credentialsFile } from '../src/credentials.ts';

describe('the credentials file', () => {
  it('is under the given XDG_CONFIG_HOME, else the given HOME, not this process’s', () => {
    const home = '/nonexistent/home-of-another-user';
    expect(process.env['HOME']).not.toBe(home);
    expect(credentialsFile({ HOME: home })).toBe(`${home}/.config/berth/config.json`);
    expect(credentialsFile({ HOME: home, XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/berth/config.json');
    // A relative XDG_CONFIG_HOME is invalid (XDG spec) and ignored.
    expect(credentialsFile({ HOME: home, XDG_CONFIG_HOME: 'rel' })).toBe(`${home}/.config/berth/config.json`);
  });

  it('without HOME, is under the account’s home from the password database', () => {
    expect(credentialsFile({})).toBe(`${os.userInfo().homedir}/.config/berth/config.json`);
  });
});
