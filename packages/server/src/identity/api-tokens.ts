// API tokens for the CLI and scripts: `berth_<random>`, shown once, stored as a SHA-256 digest with
// a short prefix for display. Users manage their own; admins list and revoke anyone's.
import type { ApiToken, PageQuery } from '@berth/sdk';
import { newId, randomToken, sha256 } from '../crypto/tokens.ts';
import { BerthError } from '../errors.ts';
import { keysetPage, mapPage, newestFirst, type Page } from '../store/keyset.ts';
import type { Store } from '../store/store.ts';
import type { Actor } from './actor.ts';
import type { AuditLog } from './audit-log.ts';
import { API_TOKEN_PREFIX } from './credentials.ts';
import { assertRole, TOKEN_ADMINS } from './roles.ts';

const DAY_MS = 86_400_000;
const PREFIX_LENGTH = API_TOKEN_PREFIX.length + 6;

export interface CreateApiTokenInput {
  name: string;
  expiresInDays?: number;
}

export interface CreatedApiToken {
  token: ApiToken;
  /** The token itself, shown only once. */
  secret: string;
}

export interface ApiTokens {
  /** The actor's own tokens, newest first (revoked ones included, with revokedAt). */
  listOwn(actor: Actor, page?: PageQuery): Promise<Page<ApiToken>>;
  create(actor: Actor, input: CreateApiTokenInput): Promise<CreatedApiToken>;
  /** Revokes one of the actor's own tokens; API_TOKEN_NOT_FOUND for anyone else's. */
  revokeOwn(actor: Actor, id: string): Promise<void>;
  /** Admins: every user's tokens, or one user's, newest first. */
  listAll(actor: Actor, filter?: { username?: string } & PageQuery): Promise<Page<ApiToken>>;
  /** Admins: revoke anyone's token. */
  revoke(actor: Actor, id: string): Promise<void>;
}

export function createApiTokens(deps: { store: Store; audit: AuditLog; clock: () => number }): ApiTokens {
  const { db } = deps.store;

  function query() {
    return db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select([
        'api_tokens.id as id',
        'api_tokens.name as name',
        'api_tokens.prefix as prefix',
        'api_tokens.created_at as createdAt',
        'api_tokens.expires_at as expiresAt',
        'api_tokens.last_used_at as lastUsedAt',
        'api_tokens.revoked_at as revokedAt',
        'users.username as username',
      ]);
  }
  type Row = Awaited<ReturnType<ReturnType<typeof query>['executeTakeFirstOrThrow']>>;
  const keyset = newestFirst<Row>('tokens', { time: 'api_tokens.created_at', id: 'api_tokens.id' }, (r) => [
    r.createdAt,
    r.id,
  ]);

  function toToken(row: Row): ApiToken {
    const token: ApiToken = {
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      createdAt: Number(row.createdAt),
      username: row.username,
    };
    if (row.expiresAt !== null) token.expiresAt = Number(row.expiresAt);
    if (row.lastUsedAt !== null) token.lastUsedAt = Number(row.lastUsedAt);
    if (row.revokedAt !== null) token.revokedAt = Number(row.revokedAt);
    return token;
  }

  async function revokeWhere(actor: Actor, id: string, ownerId: string | undefined): Promise<void> {
    await db.transaction().execute(async (trx) => {
      let q = trx
        .selectFrom('api_tokens')
        .innerJoin('users', 'users.id', 'api_tokens.user_id')
        .select(['api_tokens.id', 'api_tokens.revoked_at', 'api_tokens.name', 'users.username'])
        .where('api_tokens.id', '=', id);
      if (ownerId !== undefined) q = q.where('api_tokens.user_id', '=', ownerId);
      const row = await q.executeTakeFirst();
      if (!row) throw new BerthError('API_TOKEN_NOT_FOUND');
      if (row.revoked_at !== null) return;
      await trx.updateTable('api_tokens').set({ revoked_at: deps.clock() }).where('id', '=', id).execute();
      await deps.audit.record(trx, {
        actor,
        action: 'token.revoke',
        targetType: 'token',
        targetId: id,
        detail: { name: row.name, owner: row.username },
      });
    });
  }

  return {
    async listOwn(actor, page) {
      const rows = await keysetPage(query().where('api_tokens.user_id', '=', actor.userId), keyset, page);
      return mapPage(rows, (r) => r.map(toToken));
    },

    async create(actor, input) {
      const now = deps.clock();
      const secret = `${API_TOKEN_PREFIX}${randomToken(32)}`;
      const id = newId('tok');
      const expiresAt = input.expiresInDays === undefined ? null : now + input.expiresInDays * DAY_MS;
      const prefix = secret.slice(0, PREFIX_LENGTH);
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('api_tokens')
          .values({
            id,
            user_id: actor.userId,
            name: input.name,
            prefix,
            token_hash: sha256(secret),
            created_at: now,
            expires_at: expiresAt,
            last_used_at: null,
            revoked_at: null,
          })
          .execute();
        await deps.audit.record(trx, {
          actor,
          action: 'token.create',
          targetType: 'token',
          targetId: id,
          detail: { name: input.name, expiresAt },
        });
      });
      const token: ApiToken = { id, name: input.name, prefix, createdAt: now, username: actor.username };
      if (expiresAt !== null) token.expiresAt = expiresAt;
      return { token, secret };
    },

    revokeOwn(actor, id) {
      return revokeWhere(actor, id, actor.userId);
    },

    async listAll(actor, filter = {}) {
      assertRole(actor, TOKEN_ADMINS);
      let q = query();
      if (filter.username !== undefined) q = q.where('users.username', '=', filter.username);
      return mapPage(await keysetPage(q, keyset, filter), (r) => r.map(toToken));
    },

    async revoke(actor, id) {
      assertRole(actor, TOKEN_ADMINS);
      await revokeWhere(actor, id, undefined);
    },
  };
}
