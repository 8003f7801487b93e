// The app secret: apps authenticate to platform APIs with their code and this secret. It is stored
// sealed (bound to the app's code), readable by the app's developers, operators and admins.
import crypto from 'node:crypto';
import { APP_CODE_PATTERN, type Deploy } from '@berth/sdk';
import type { Transaction } from 'kysely';
import type { SecretBox } from '../crypto/secret-box.ts';
import { randomToken } from '../crypto/tokens.ts';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import type { AuditRecorder } from './deps.ts';
import type { AppFor } from './permissions.ts';

export interface SecretService {
  /** The current app secret (audited as app.secret.view). Not for auditors. */
  getSecret(actor: Actor, code: string): Promise<string>;
  /**
   * Replaces the app secret (audited as app.secret.rotate) and returns the new one with the
   * deploys that roll the app's running environments, committed with it.
   */
  rotateSecret(actor: Actor, code: string): Promise<{ secret: string; deploys: Deploy[] }>;
  /** True when `secret` is the app's secret; compares in constant time. */
  verifySecret(code: string, secret: string): Promise<boolean>;
  /**
   * The app's secret opened for berthd to verify a call with (the API gateway checks signatures
   * with it): not a view by anyone, so not audited. Undefined for an app that does not exist.
   * Never hand the value to a user.
   */
  secretForVerification(code: string): Promise<string | undefined>;
}

/**
 * Told about a rotation inside its transaction (berthd wires the deploy engine here): it restarts the
 * environments that run instances, so none keeps the revoked secret.
 */
export type OnSecretRotated = (actor: Actor, code: string, trx: Transaction<Database>) => Promise<Deploy[]>;

export function appSecretContext(code: string): string {
  return `app-secret:${code}`;
}

/** App secrets are 32 random bytes, base64url. */
export function newAppSecret(): string {
  return randomToken(32);
}

const CODE_RE = new RegExp(APP_CODE_PATTERN);
const MAX_SECRET_LENGTH = 512;

function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value, 'utf8').digest();
}

export function createSecretService(deps: {
  store: Store;
  audit: AuditRecorder;
  secretBox: SecretBox;
  appFor: AppFor;
  onSecretRotated?: OnSecretRotated | undefined;
}): SecretService {
  const { db } = deps.store;
  const { secretBox, appFor, audit } = deps;
  // Compared against when the app does not exist, so a miss costs what a hit costs.
  const decoy = randomToken(32);

  async function openSecret(code: string): Promise<string | undefined> {
    if (typeof code !== 'string' || !CODE_RE.test(code)) return undefined;
    const row = await db
      .selectFrom('apps')
      .select(['code', 'secret_sealed'])
      .where('code', '=', code)
      .executeTakeFirst();
    return row ? secretBox.open(row.secret_sealed, appSecretContext(row.code)) : undefined;
  }

  return {
    async getSecret(actor, code) {
      const app = await appFor(actor, 'secret.reveal', code);
      const secret = secretBox.open(app.secret_sealed, appSecretContext(app.code));
      await audit.record(db, {
        actor,
        action: 'app.secret.view',
        targetType: 'app',
        targetId: app.code,
        ip: actor.ip,
      });
      return secret;
    },

    async rotateSecret(actor, code) {
      const app = await appFor(actor, 'secret.rotate', code);
      const secret = newAppSecret();
      const sealed = secretBox.seal(secret, appSecretContext(app.code));
      const deploys = await db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('apps')
          .set({ secret_sealed: sealed, updated_at: Date.now() })
          .where('id', '=', app.id)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) throw new BerthError('APP_NOT_FOUND');
        await audit.record(trx, {
          actor,
          action: 'app.secret.rotate',
          targetType: 'app',
          targetId: app.code,
          ip: actor.ip,
        });
        return (await deps.onSecretRotated?.(actor, app.code, trx)) ?? [];
      });
      return { secret, deploys };
    },

    async verifySecret(code, secret) {
      if (typeof code !== 'string' || typeof secret !== 'string') return false;
      if (!CODE_RE.test(code) || secret.length > MAX_SECRET_LENGTH) return false;
      const opened = await openSecret(code);
      const same = crypto.timingSafeEqual(digest(opened ?? decoy), digest(secret));
      return same && opened !== undefined;
    },

    secretForVerification: openSecret,
  };
}
