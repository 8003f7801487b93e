// berth tokens list | create | revoke   (API tokens for scripts and CI)
import { type ApiToken, isBerthApiError } from '@berth/sdk';
import type { Group } from '../command.ts';
import { time } from '../output.ts';
import { LIMIT_OPTION, listItems, positiveInt } from './shared.ts';

export const tokensGroup: Group = {
  name: 'tokens',
  summary: 'Manage API tokens (yours; admins: everyone’s)',
  commands: [
    {
      name: 'list',
      summary: 'List your API tokens, or with --all every user’s (admins)',
      usage: '[--all] [--limit N] [--json]',
      args: [0, 0],
      options: { all: { type: 'boolean', help: "Every user's tokens (admins only)" }, ...LIMIT_OPTION },
      async run(ctx) {
        const client = ctx.client();
        const all = ctx.flag('all');
        const body = {
          tokens: await listItems(ctx, 'tokens', (p) =>
            all ? client.listTokens(p) : client.listMyTokens(p),
          ),
        };
        if (ctx.json) return ctx.out.json(body);
        const now = Date.now();
        ctx.out.table(
          [...(all ? ['USER'] : []), 'ID', 'NAME', 'PREFIX', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED'],
          body.tokens.map((t) => [
            ...(all ? [t.username] : []),
            t.id,
            t.name,
            t.prefix,
            status(t, now),
            time(t.createdAt),
            time(t.expiresAt),
            time(t.lastUsedAt),
          ]),
          'No API tokens.',
        );
      },
    },
    {
      name: 'create',
      summary: 'Create an API token for yourself and print it (only this once)',
      usage: 'NAME [--expires-in-days N] [--json]',
      args: [1, 1],
      options: {
        'expires-in-days': { type: 'string', value: 'N', help: 'Expire after N days (default: never)' },
      },
      notes: ['Use it as BERTH_TOKEN=<token>, or as the header Authorization: Bearer <token>.'],
      async run(ctx) {
        const days = positiveInt(ctx, 'expires-in-days');
        const body = await ctx.client().createMyToken({
          name: ctx.args[0]!,
          ...(days !== undefined && { expiresInDays: days }),
        });
        if (ctx.json) return ctx.out.json(body);
        ctx.out.line(`Created API token ${body.token.name} (${body.token.id}).`);
        ctx.out.line(`Token: ${body.secret}`);
        ctx.out.note('It is shown only now; keep it safe.');
      },
    },
    {
      name: 'revoke',
      summary: 'Revoke an API token by its id (admins: anyone’s)',
      usage: 'ID [--json]',
      args: [1, 1],
      async run(ctx) {
        const client = ctx.client();
        const id = ctx.args[0]!;
        try {
          await client.revokeMyToken(id);
        } catch (err) {
          if (!isBerthApiError(err, 'API_TOKEN_NOT_FOUND')) throw err;
          // Not one of ours: an admin may revoke anyone's. For others the first answer stands.
          await client.revokeToken(id).catch((adminErr: unknown) => {
            throw isBerthApiError(adminErr, 'FORBIDDEN') ? err : adminErr;
          });
        }
        if (ctx.json) return ctx.out.json({ revoked: { token: id } });
        ctx.out.line(`Revoked API token ${id}.`);
      },
    },
  ],
};

function status(token: ApiToken, now: number): string {
  if (token.revokedAt !== undefined) return 'revoked';
  if (token.expiresAt !== undefined && token.expiresAt <= now) return 'expired';
  return 'active';
}
