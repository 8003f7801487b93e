// berth login | logout | whoami | passwd
import { isBerthApiError } from '@berth/sdk';
import type { CommandContext, Group } from '../command.ts';
import { CliError, EXIT, isLoginNeeded, notLoggedIn, usageError } from '../errors.ts';
import { cliClient } from '../http-fetch.ts';
import { normalizeServerUrl } from '../server-url.ts';
import { askNewPassword } from './shared.ts';

export const loginGroup: Group = {
  name: 'login',
  summary: 'Log in to a Berth server and store an API token for the other commands',
  single: true,
  commands: [
    {
      name: 'login',
      summary: 'Log in to a Berth server and store an API token for the other commands',
      usage: '[URL] [--username NAME] [--password-stdin [--new-password-stdin]] [--json]',
      args: [0, 1],
      options: {
        username: { type: 'string', short: 'u', value: 'NAME', help: 'Your username (asked when missing)' },
        'password-stdin': {
          type: 'boolean',
          help: 'Read the password from the first line of stdin (for scripts)',
        },
        'new-password-stdin': {
          type: 'boolean',
          help: 'When the server asks for a new password, read it from the next line of stdin',
        },
      },
      notes: [
        'Without --password-stdin the password is asked on the terminal and not echoed.',
        'The login session is used once to create an API token named berth-cli@<hostname>;',
        'only that token is stored, and the session is logged out again.',
        '',
        'A first password that berthd generated must be changed at the first login: berth login then',
        'asks for a new one (twice) on a terminal; without one, give it as the second line of stdin',
        'with --new-password-stdin.',
        '',
        'Example (scripts):  printf "%s\\n" "$PASSWORD" | berth login https://berth.example.com \\',
        '                      --username ci --password-stdin',
      ],
      run: login,
    },
  ],
};

export const logoutGroup: Group = {
  name: 'logout',
  summary: 'Revoke the stored API token on the server and forget it',
  single: true,
  commands: [
    {
      name: 'logout',
      summary: 'Revoke the stored API token on the server and forget it',
      usage: '[--json]',
      args: [0, 0],
      run: logout,
    },
  ],
};

export const passwdGroup: Group = {
  name: 'passwd',
  summary: 'Change your own password',
  single: true,
  commands: [
    {
      name: 'passwd',
      summary: 'Change your own password',
      usage: '[--password-stdin] [--json]',
      args: [0, 0],
      options: {
        'password-stdin': {
          type: 'boolean',
          help: 'Read the current password from the first line of stdin and the new one from the second',
        },
      },
      notes: [
        'The current password is needed. The change ends your other sessions and revokes all your API',
        'tokens, the stored one too: berth passwd logs in again with the new password and stores a',
        'fresh token.',
      ],
      run: passwd,
    },
  ],
};

export const whoamiGroup: Group = {
  name: 'whoami',
  summary: 'Show who you are logged in as, and where',
  single: true,
  commands: [
    {
      name: 'whoami',
      summary: 'Show who you are logged in as, and where',
      usage: '[--json]',
      args: [0, 0],
      async run(ctx) {
        const client = ctx.client();
        const me = await client.me();
        if (ctx.json) return ctx.out.json(me);
        ctx.out.line(`${me.user.username} (${me.user.role}) on ${client.baseUrl}`);
      },
    },
  ],
};

async function login(ctx: CommandContext): Promise<void> {
  const { terminal } = ctx;
  let stored: ReturnType<typeof ctx.credentials.read>;
  try {
    stored = ctx.credentials.read();
  } catch {
    stored = undefined; // a damaged file is simply replaced
  }
  let rawServer = ctx.args[0] ?? ctx.str('server') ?? envValue(ctx, 'BERTH_URL') ?? stored?.server;
  if (rawServer === undefined && terminal.interactive) rawServer = await terminal.ask('Server URL: ');
  if (!rawServer) throw usageError('no server given; usage: berth login URL');
  const server = normalizeServerUrl(rawServer);

  let username = ctx.str('username');
  if (username === undefined) {
    if (!terminal.interactive) throw usageError('--username is needed when there is no terminal to ask');
    username = (await terminal.ask('Username: ')).trim();
  }
  if (!username) throw usageError('no username given');

  let password: string;
  if (ctx.flag('password-stdin')) password = await terminal.readLine();
  else if (terminal.interactive) password = await terminal.askHidden('Password: ');
  else throw usageError('no terminal to ask for the password; pipe it in with --password-stdin');
  if (!password) throw usageError('empty password');

  const token = await createCliToken(ctx, server, username, password);
  // A new login replaces the token stored for this server: revoke the old one (best effort), so
  // logins do not pile up valid tokens.
  if (stored && stored.server === server && stored.token !== token.secret) {
    await cliClient({ baseUrl: server, token: stored.token })
      .logout()
      .catch(() => {});
  }
  ctx.credentials.write({ server, token: token.secret, username: token.username });
  if (ctx.json) return ctx.out.json({ server, username: token.username });
  ctx.out.line(`Logged in to ${server} as ${token.username}`);
}

/**
 * Logs in with a password, changes it first when the server requires that, creates an API token
 * named after this machine and logs the session out again.
 */
async function createCliToken(
  ctx: CommandContext,
  server: string,
  username: string,
  password: string,
): Promise<{ secret: string; username: string }> {
  const anonymous = cliClient({ baseUrl: server });
  const session = await anonymous.login({ username, password });
  if (!session.sessionToken) {
    throw new CliError('the server answered the login without a session cookie', 'BAD_RESPONSE', EXIT.api);
  }
  const withSession = anonymous.with({
    sessionToken: session.sessionToken,
    ...(session.sessionCookie ? { sessionCookie: session.sessionCookie } : {}),
  });
  try {
    if (session.passwordChangeRequired) {
      const fresh = await replacementPassword(ctx, session.user.username);
      await withSession.changePassword({ currentPassword: password, newPassword: fresh });
      ctx.out.note(`Changed the password of ${session.user.username}.`);
    }
    const created = await withSession.createMyToken({ name: `berth-cli@${ctx.io.hostname}`.slice(0, 100) });
    return { secret: created.secret, username: session.user.username };
  } finally {
    // The session was only needed to create the token; end it whatever happened.
    await withSession.logout().catch((err: unknown) => {
      ctx.out.note(`berth: warning: could not end the login session: ${(err as Error).message}`);
    });
  }
}

/** The new password when the server requires a change at this login. */
async function replacementPassword(ctx: CommandContext, username: string): Promise<string> {
  if (ctx.flag('new-password-stdin')) {
    const fresh = await ctx.terminal.readLine();
    if (!fresh) throw usageError('empty new password on stdin');
    return fresh;
  }
  if (!ctx.terminal.interactive) {
    throw new CliError(
      `the password of ${username} must be changed before anything else; run berth login on a terminal, ` +
        'or give the new password as the second line of stdin with --password-stdin --new-password-stdin',
      'PASSWORD_CHANGE_REQUIRED',
      EXIT.api,
    );
  }
  ctx.out.note(`The password of ${username} was generated by the server and must be changed now.`);
  return askNewPassword(ctx);
}

async function passwd(ctx: CommandContext): Promise<void> {
  const stored = ctx.credentials.read();
  const client = ctx.client();
  const me = await client.me();
  let current: string;
  let fresh: string;
  if (ctx.flag('password-stdin')) {
    current = await ctx.terminal.readLine();
    fresh = await ctx.terminal.readLine();
    if (!current || !fresh) throw usageError('give the current and the new password on two lines of stdin');
  } else if (ctx.terminal.interactive) {
    current = await ctx.terminal.askHidden('Current password: ');
    fresh = await askNewPassword(ctx);
  } else {
    throw usageError('no terminal to ask for the passwords; pipe them in with --password-stdin');
  }
  await client.changePassword({ currentPassword: current, newPassword: fresh });
  if (ctx.json) ctx.out.json({ passwordChanged: { user: me.user.username } });
  else ctx.out.line(`Changed the password of ${me.user.username}.`);
  // The change revoked every API token of the user, the stored one too: log in again.
  if (stored?.server === client.baseUrl) {
    const token = await createCliToken(ctx, client.baseUrl, me.user.username, fresh);
    ctx.credentials.write({ server: client.baseUrl, token: token.secret, username: token.username });
    ctx.out.note('Your API tokens were revoked; logged in again with the new password.');
  } else {
    ctx.out.note('Your API tokens were revoked; log in again with berth login.');
  }
}

async function logout(ctx: CommandContext): Promise<void> {
  const stored = ctx.credentials.read();
  const fromEnv = envValue(ctx, 'BERTH_TOKEN') !== undefined;
  if (!stored && !fromEnv) throw notLoggedIn('not logged in');
  const client = ctx.client();
  try {
    await client.logout();
  } catch (err) {
    // A token the server no longer accepts is as good as revoked; anything else (the server is
    // down, …) keeps the file, so the token is not forgotten while it still works.
    if (!isLoginNeeded(err) && !isBerthApiError(err, 'USER_DISABLED')) throw err;
  }
  // With BERTH_TOKEN set, that token was the one revoked; the stored one stays.
  if (stored && !fromEnv) ctx.credentials.remove();
  if (ctx.json) return ctx.out.json({ loggedOut: { server: client.baseUrl } });
  ctx.out.line(`Logged out of ${client.baseUrl}`);
}

function envValue(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.io.env[name];
  return value === undefined || value === '' ? undefined : value;
}
