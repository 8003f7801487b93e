// berth sources show | set | pin | unpin   (an app's source settings: which repository deploys use,
// the external repository and its credentials, what a push deploys where, the pinned manifest).
// Secrets are never option values: a token comes from stdin, an SSH key and host keys from files.
import fs from 'node:fs';
import {
  ENV_NAMES,
  type EnvName,
  PINNABLE_FIELDS,
  type PinnableField,
  type SourceSettings,
  type SourceSettingsUpdate,
} from '@berth/sdk';
import type { CommandContext, Group } from '../command.ts';
import { usageError } from '../errors.ts';
import { time } from '../output.ts';
import { repositoryKind } from './source-option.ts';
import { APP_OPTION, appCode } from './target.ts';

const SET_USAGE =
  'berth sources set --app CODE [--repo-url URL [--username U] [--token-stdin | --ssh-key FILE] [--known-hosts FILE] | --no-external] [--branch B] [--branch-env stag|prod|none] [--tag-env stag|prod|none] [--use hosted|external]';
const PIN_USAGE = 'berth sources pin FILE --app CODE [--fields a,b]';
/** What the API takes: a manifest of at most 256 KiB, an SSH key or host keys of at most 16 KiB. */
const MANIFEST_MAX = 256 * 1024;
const KEY_FILE_MAX = 16 * 1024;

export const sourcesGroup: Group = {
  name: 'sources',
  summary: "An app's source settings: repositories, what a push deploys where, the pinned manifest",
  defaultCommand: 'show',
  commands: [
    {
      name: 'show',
      summary: "Show an app's source settings",
      usage: '--app CODE [--json]',
      args: [0, 0],
      options: APP_OPTION,
      async run(ctx) {
        const body = await ctx.client().getSource(appCode(ctx, 'berth sources show --app CODE'));
        if (ctx.json) return ctx.out.json(body);
        printSettings(ctx, body.source);
      },
    },
    {
      name: 'set',
      summary: 'Change the source settings (developers of the app, operators, admins); the rest stays',
      usage:
        '--app CODE [--repo-url URL [--username U] [--token-stdin | --ssh-key FILE] [--known-hosts FILE] | --no-external] [--branch B] [--branch-env stag|prod|none] [--tag-env stag|prod|none] [--use hosted|external] [--json]',
      args: [0, 0],
      options: {
        ...APP_OPTION,
        'repo-url': {
          type: 'string',
          value: 'URL',
          help: 'The external repository: https://…, ssh://user@host/path or user@host:path',
        },
        username: { type: 'string', value: 'U', help: 'The user name of the HTTPS token' },
        'token-stdin': {
          type: 'boolean',
          help: 'Read an HTTPS access token from the first line of stdin',
        },
        'ssh-key': { type: 'string', value: 'FILE', help: 'A private SSH deploy key, read from FILE' },
        'known-hosts': {
          type: 'string',
          value: 'FILE',
          help: 'known_hosts lines to pin the SSH host key (else the first fetch pins it)',
        },
        'no-external': { type: 'boolean', help: 'Remove the external repository and its credentials' },
        branch: { type: 'string', value: 'B', help: 'The deploy branch: a push of it deploys' },
        'branch-env': {
          type: 'string',
          value: 'stag|prod|none',
          help: 'Where the deploy branch deploys (none: pushes are only stored)',
        },
        'tag-env': {
          type: 'string',
          value: 'stag|prod|none',
          help: 'Where pushed tags deploy (none: tags are only stored)',
        },
        use: {
          type: 'string',
          value: 'hosted|external',
          help: "The repository 'berth deploy --ref' and webhooks use by default",
        },
      },
      notes: [
        'The token and the key are sent once, stored encrypted and never shown again. Without --repo-url,',
        '--username, --token-stdin, --ssh-key and --known-hosts change the external repository already set;',
        'a new --repo-url without new credentials has none (credentials go with the host they were made for).',
        'Example: printf %s "$TOKEN" | berth sources set --app shop --repo-url https://git.example.com/shop.git --token-stdin',
      ],
      async run(ctx) {
        const app = appCode(ctx, SET_USAGE);
        const client = ctx.client();
        const body = await settingsUpdate(ctx, () => client.getSource(app).then((b) => b.source));
        const result = await client.updateSource(app, body);
        if (ctx.json) return ctx.out.json(result);
        ctx.out.note(`Changed the source settings of ${app}.`);
        printSettings(ctx, result.source);
      },
    },
    {
      name: 'pin',
      summary: "Pin the app's manifest (operators and admins): pushed berth.yaml files may not change it",
      usage: 'FILE --app CODE [--fields a,b] [--json]',
      args: [1, 1],
      options: {
        ...APP_OPTION,
        fields: {
          type: 'string',
          value: 'a,b',
          help: `The fields pinned (default: every field FILE sets): ${PINNABLE_FIELDS.join(', ')}`,
        },
      },
      notes: [
        'FILE is a berth.yaml. A source without one is then built with it; a source whose berth.yaml',
        'changes a pinned field is refused (MANIFEST_PINNED), a push of it before anything is stored.',
      ],
      async run(ctx) {
        const app = appCode(ctx, PIN_USAGE);
        const manifest = readText(ctx.args[0]!, 'the manifest', MANIFEST_MAX);
        const raw = ctx.str('fields');
        const fields = raw === undefined ? undefined : pinnedFields(raw);
        const result = await ctx.client().pinManifest(app, { manifest, ...(fields && { fields }) });
        if (ctx.json) return ctx.out.json(result);
        const pin = result.source.pin;
        ctx.out.line(`Pinned the manifest of ${app}: ${pin?.fields.join(', ') || 'no fields'}.`);
      },
    },
    {
      name: 'unpin',
      summary: 'Remove the manifest pin (operators and admins)',
      usage: '--app CODE [--json]',
      args: [0, 0],
      options: APP_OPTION,
      async run(ctx) {
        const app = appCode(ctx, 'berth sources unpin --app CODE');
        const result = await ctx.client().unpinManifest(app);
        if (ctx.json) return ctx.out.json(result);
        ctx.out.line(`Unpinned the manifest of ${app}: pushed berth.yaml files decide again.`);
      },
    },
  ],
};

/** The body of `sources set` from its options; `current` is asked only when the external part needs it. */
async function settingsUpdate(
  ctx: CommandContext,
  current: () => Promise<SourceSettings>,
): Promise<SourceSettingsUpdate> {
  const body: SourceSettingsUpdate = {};
  const use = ctx.str('use');
  const branch = ctx.str('branch');
  const branchEnv = ctx.str('branch-env');
  const tagEnv = ctx.str('tag-env');
  if (use !== undefined) body.repository = repositoryKind('use', use);
  if (branch !== undefined) {
    if (branch.trim() === '') throw usageError('--branch needs a branch name');
    body.branch = branch;
  }
  if (branchEnv !== undefined) body.branchEnv = envOrNone('branch-env', branchEnv);
  if (tagEnv !== undefined) body.tagEnv = envOrNone('tag-env', tagEnv);
  const external = await externalUpdate(ctx, current);
  if (external !== undefined) body.external = external;
  if (Object.keys(body).length === 0) {
    throw usageError(`nothing to change; usage: ${SET_USAGE}`);
  }
  return body;
}

/** The `external` part of the update: removed, replaced, or (undefined) left alone. */
async function externalUpdate(
  ctx: CommandContext,
  current: () => Promise<SourceSettings>,
): Promise<SourceSettingsUpdate['external']> {
  const url = ctx.str('repo-url');
  const username = ctx.str('username');
  const keyFile = ctx.str('ssh-key');
  const hostsFile = ctx.str('known-hosts');
  const tokenStdin = ctx.flag('token-stdin');
  const changes = url !== undefined || username !== undefined || keyFile !== undefined;
  if (ctx.flag('no-external')) {
    if (changes || tokenStdin || hostsFile !== undefined) {
      throw usageError('--no-external removes the external repository: give no other repository option');
    }
    return null;
  }
  if (!changes && !tokenStdin && hostsFile === undefined) return undefined;
  if (tokenStdin && keyFile !== undefined) throw usageError('give --token-stdin or --ssh-key, not both');
  const sshKey = keyFile === undefined ? undefined : readText(keyFile, 'the SSH key', KEY_FILE_MAX);
  const knownHosts = hostsFile === undefined ? undefined : readText(hostsFile, 'known_hosts', KEY_FILE_MAX);
  const token = tokenStdin ? await readToken(ctx) : undefined;
  // The API replaces the external repository as a whole: keep what is set unless it changes.
  const before = url === undefined || username === undefined ? (await current()).external : undefined;
  const target = url ?? before?.url;
  if (target === undefined) throw usageError('no external repository is set yet: give --repo-url URL');
  const keptUser = target === before?.url ? before.username : undefined;
  const user = username ?? keptUser;
  return {
    url: target,
    ...(user !== undefined && { username: user }),
    ...(token !== undefined && { token }),
    ...(sshKey !== undefined && { sshKey }),
    ...(knownHosts !== undefined && { knownHosts }),
  };
}

async function readToken(ctx: CommandContext): Promise<string> {
  const token = (await ctx.terminal.readLine()).trim();
  if (!token) throw usageError('--token-stdin read no token from stdin');
  return token;
}

/** A text file given by name, with what it is for the errors. */
function readText(file: string, what: string, max: number): string {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat?.isFile()) throw usageError(`${file} is not a file (${what})`);
  if (stat.size > max) throw usageError(`${file} is too large for ${what} (at most ${max / 1024} KiB)`);
  const text = fs.readFileSync(file, 'utf8');
  if (text.trim() === '') throw usageError(`${file} is empty (${what})`);
  return text;
}

function envOrNone(option: string, raw: string): EnvName | null {
  if (raw === 'none') return null;
  if ((ENV_NAMES as readonly string[]).includes(raw)) return raw as EnvName;
  throw usageError(`--${option} is stag, prod or none, not '${raw}'`);
}

function pinnedFields(raw: string): PinnableField[] {
  const fields = raw
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (fields.length === 0) throw usageError('--fields needs at least one field');
  for (const field of fields) {
    if (!(PINNABLE_FIELDS as readonly string[]).includes(field)) {
      throw usageError(`--fields: '${field}' is not a manifest field (${PINNABLE_FIELDS.join(', ')})`);
    }
  }
  return [...new Set(fields)] as PinnableField[];
}

function printSettings(ctx: CommandContext, s: SourceSettings): void {
  const external = s.external;
  const hostKeys = external?.knownHosts?.split('\n').filter((l) => l.trim() !== '').length ?? 0;
  ctx.out.fields([
    ['Deploys use', `the ${s.repository} repository`],
    ['Hosted', s.hosted.remote],
    ['External', external ? external.url : 'none'],
    ['Credentials', external && credentialText(external)],
    ['Host keys', external && hostKeys > 0 ? `${hostKeys} pinned` : undefined],
    ['Branch', `${s.branch} (a push deploys to ${s.branchEnv ?? 'nowhere: only stored'})`],
    ['Tags', s.tagEnv ? `a pushed tag deploys to ${s.tagEnv}` : 'only stored'],
    ['Pinned', s.pin ? `${s.pin.fields.join(', ')} (by ${s.pin.pinnedBy}, ${time(s.pin.pinnedAt)})` : 'no'],
  ]);
}

function credentialText(external: NonNullable<SourceSettings['external']>): string {
  const user = external.username ? ` (user ${external.username})` : '';
  if (external.auth === 'token') return `HTTPS token${user}`;
  if (external.auth === 'ssh') return 'SSH deploy key';
  return 'none';
}
