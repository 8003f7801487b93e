// berth git remote | credential   (pushing to the app's hosted repository). `remote` prints the
// remote and the git configuration that lets git ask this CLI for the token; `credential` is that
// git credential helper: git runs `berth git credential get` and reads `username=` and `password=`
// from it, so the token stays where `berth login` keeps it (0600) instead of in git's config or a
// remote URL. It answers only for the server the CLI's token belongs to, and stores nothing git
// hands it.
import type { CommandContext, Group } from '../command.ts';
import { normalizeServerUrl } from '../server-url.ts';
import { APP_OPTION, appCode } from './target.ts';

const REMOTE_USAGE = 'berth git remote --app CODE [--json]';
/** The helper as git's configuration names it: `!` makes git run it as a shell command. */
export const CREDENTIAL_HELPER = '!berth git credential';

export const gitGroup: Group = {
  name: 'git',
  summary: "Push to the app's hosted repository: its remote, and a git credential helper",
  commands: [
    {
      name: 'remote',
      summary: "Print the app's git remote and the commands that set git up to push to it",
      usage: '--app CODE [--json]',
      args: [0, 0],
      options: APP_OPTION,
      notes: [
        'The first line is the remote URL. The lines after it set a clone up: git then asks',
        "'berth git credential' for the password, which is the API token 'berth login' stored",
        "(or BERTH_TOKEN). Without the helper, the password is an API token ('berth tokens create NAME').",
        'A push of the deploy branch (main, unless changed) deploys to stag and shows the progress.',
      ],
      async run(ctx) {
        const app = appCode(ctx, REMOTE_USAGE);
        const body = await ctx.client().gitRemote(app);
        if (ctx.json) return ctx.out.json(body);
        const origin = new URL(body.remote).origin;
        ctx.out.line(body.remote);
        ctx.out.line("# Once per clone; git then asks berth for your token (the one 'berth login' stored):");
        ctx.out.line(`git remote add berth ${shellWord(body.remote)}`);
        ctx.out.line(`git config ${shellWord(`credential.${origin}.username`)} ${shellWord(body.username)}`);
        ctx.out.line(
          `git config ${shellWord(`credential.${origin}.helper`)} ${shellWord(CREDENTIAL_HELPER)}`,
        );
        ctx.out.line('git push berth main');
        const server = ctx.server();
        if (server !== undefined && new URL(server).origin !== origin) {
          ctx.out.note(
            `The helper answers only for ${new URL(server).origin}, the server this CLI uses; for ${origin}, give git an API token as the password ('berth tokens create NAME').`,
          );
        }
      },
    },
    {
      name: 'credential',
      summary: "A git credential helper: answers git with the CLI's user name and token",
      usage: 'get|store|erase',
      args: [1, 1],
      argWords: () => ['get', 'store', 'erase'],
      notes: [
        `Not run by hand: git runs it once configured (git config credential.URL.helper '${CREDENTIAL_HELPER}').`,
        "For 'get' it reads git's request (protocol=, host=, … lines) from stdin and prints username= and",
        'password= only when the request is for the server the token belongs to, and nothing otherwise.',
        "'store' and 'erase' print nothing: the token is the CLI's, kept by 'berth login' and 'berth logout'.",
      ],
      async run(ctx) {
        const request = await readCredentialRequest(ctx);
        // git ignores helpers' unknown operations, and so does this one.
        if (ctx.args[0] !== 'get') return;
        const answer = await credentialFor(ctx, request);
        if (answer) ctx.out.line(`username=${answer.username}\npassword=${answer.password}`);
      },
    },
  ],
};

/** git's credential request: `key=value` lines up to a blank line or the end of input. */
async function readCredentialRequest(ctx: CommandContext): Promise<Map<string, string>> {
  const fields = new Map<string, string>();
  for (let i = 0; i < 100; i++) {
    const line = await ctx.terminal.readLine();
    if (line === '') break;
    const at = line.indexOf('=');
    if (at > 0) fields.set(line.slice(0, at), line.slice(at + 1));
  }
  return fields;
}

/**
 * The user name and token to give git for `request`, or undefined: a token goes only to the server
 * it belongs to (the stored one's to the stored server; BERTH_TOKEN to the server the CLI would
 * send it to), and only as the user it belongs to.
 */
async function credentialFor(
  ctx: CommandContext,
  request: Map<string, string>,
): Promise<{ username: string; password: string } | undefined> {
  const asked = askedOrigin(request);
  if (!asked) return undefined;
  const stored = ctx.credentials.read();
  const envToken = ctx.io.env['BERTH_TOKEN'] || undefined;
  const server = envToken ? ctx.server() : stored && normalizeServerUrl(stored.server);
  const token = envToken ?? stored?.token;
  if (!server || !token || !sameServer(asked, request.get('path'), server)) return undefined;
  // BERTH_TOKEN has no user name with it: the API says whose token it is.
  const username = envToken ? (await ctx.client().me()).user.username : stored!.username;
  const given = request.get('username');
  if (given !== undefined && given !== username) return undefined;
  if (/[\r\n\0]/.test(username + token)) return undefined;
  return { username, password: token };
}

/** `protocol://host` of the request (from `url=` when git sends one instead). */
function askedOrigin(request: Map<string, string>): string | undefined {
  const url = request.get('url');
  if (url !== undefined && !request.has('host')) {
    try {
      const parsed = new URL(url);
      request.set('path', parsed.pathname.replace(/^\//, ''));
      return parsed.origin;
    } catch {
      return undefined;
    }
  }
  const protocol = request.get('protocol');
  const host = request.get('host');
  if ((protocol !== 'https' && protocol !== 'http') || !host) return undefined;
  try {
    return new URL(`${protocol}://${host}`).origin;
  } catch {
    return undefined;
  }
}

/** The request is for `server`: same origin, and under its path when git says which path. */
function sameServer(origin: string, path: string | undefined, server: string): boolean {
  const url = new URL(server);
  if (url.origin !== origin) return false;
  if (path === undefined) return true;
  const prefix = url.pathname.replace(/^\/+|\/+$/g, '');
  return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
}

/** A word as a POSIX shell reads it back: as it is when plain, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
