// Each app's webhook secret: 32 random bytes as hex, made the first time anyone looks at the app's
// webhook, stored sealed with the context `webhook:{code}` (a sealed value copied to another app's row
// does not open). Hex, because every host's form takes it as typed and GitLab sends it back as is.
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { SecretBox } from '../crypto/secret-box.ts';
import { isUniqueViolation } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';

export function webhookSecretContext(code: string): string {
  return `webhook:${code}`;
}

export function newWebhookSecret(): string {
  return crypto.randomBytes(32).toString('hex');
}

export interface WebhookSecrets {
  /** The app's secret, or undefined while it has none (nobody has looked at its webhook yet). */
  find(code: string): Promise<string | undefined>;
  /** The app's secret, made now if it has none. */
  ensure(code: string): Promise<string>;
  /** Replaces the app's secret with a new one, written with `db` (the caller's transaction). */
  rotate(code: string, db: Kysely<Database>): Promise<string>;
  /** The apps that have a secret. */
  apps(): Promise<string[]>;
  forget(codes: readonly string[], db?: Kysely<Database>): Promise<void>;
}

export function createWebhookSecrets(deps: {
  db: Kysely<Database>;
  secretBox: SecretBox;
  now: () => number;
}): WebhookSecrets {
  const { db, secretBox, now } = deps;

  async function find(code: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('webhook_secrets')
      .select('secret_sealed')
      .where('app_code', '=', code)
      .executeTakeFirst();
    return row && secretBox.open(row.secret_sealed, webhookSecretContext(code));
  }

  return {
    find,
    async ensure(code) {
      const existing = await find(code);
      if (existing !== undefined) return existing;
      const secret = newWebhookSecret();
      const t = now();
      try {
        await db
          .insertInto('webhook_secrets')
          .values({
            app_code: code,
            secret_sealed: secretBox.seal(secret, webhookSecretContext(code)),
            created_at: t,
            updated_at: t,
          })
          .execute();
        return secret;
      } catch (err) {
        // Two first looks at once: the one that got in first made the secret.
        if (!isUniqueViolation(err)) throw err;
        const made = await find(code);
        if (made === undefined) throw err;
        return made;
      }
    },
    async rotate(code, on) {
      const secret = newWebhookSecret();
      const sealed = secretBox.seal(secret, webhookSecretContext(code));
      const t = now();
      const updated = await on
        .updateTable('webhook_secrets')
        .set({ secret_sealed: sealed, updated_at: t })
        .where('app_code', '=', code)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await on
          .insertInto('webhook_secrets')
          .values({ app_code: code, secret_sealed: sealed, created_at: t, updated_at: t })
          .execute();
      }
      return secret;
    },
    async apps() {
      const rows = await db.selectFrom('webhook_secrets').select('app_code').execute();
      return rows.map((r) => r.app_code);
    },
    async forget(codes, on = db) {
      if (codes.length === 0) return;
      await on.deleteFrom('webhook_secrets').where('app_code', 'in', codes).execute();
    },
  };
}
