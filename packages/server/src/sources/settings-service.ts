// Each app's source settings: which repository deploys use by default, the external repository and
// its credentials (sealed, write-only through the API), what a push or webhook of which ref deploys
// where, and the pinned manifest. Reading needs `app.read`; changing `source.write`; pinning
// `source.pin` (operators and admins). Every change is audited, credentials never.
import {
  type AppAction,
  type EnvName,
  PINNABLE_FIELDS,
  type PinnableField,
  type SourceSettings,
  type SourceSettingsUpdate,
} from '@berth/sdk';
import type { AuditRecorder } from '../apps/index.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import { checkManifestText } from '../manifest/index.ts';
import type { Store } from '../store/store.ts';
import type { ExternalRepository } from './git-source.ts';
import type { PinnedManifest } from './pinned-manifest.ts';
import type { AppSourceRow, AppSourcesTable } from './settings-tables.ts';

/** How Berth logs in to an external repository (decrypted; never leaves berthd). */
export type RepositoryCredentials =
  | { kind: 'none' }
  | { kind: 'token'; username?: string; token: string }
  | { kind: 'ssh'; privateKey: string; knownHosts?: string };

export interface SourceTriggers {
  repository: 'hosted' | 'external';
  branch: string;
  branchEnv: EnvName | null;
  tagEnv: EnvName | null;
}

export interface SourceSettingsDeps {
  store: Store;
  secretBox: SecretBox;
  audit: AuditRecorder;
  authorize(actor: Actor, action: AppAction, code: string): Promise<unknown>;
  /** The git remote of an app's hosted repository. */
  remoteOf(code: string): string;
  /** The git module's URL check (VALIDATION_FAILED) and display form. */
  checkRemoteUrl(url: string): string;
  checkBranch(name: string): string;
  mirrorDirOf(code: string, url: string): string;
}

export interface SourceSettingsService {
  get(actor: Actor, code: string): Promise<SourceSettings>;
  update(actor: Actor, code: string, patch: SourceSettingsUpdate): Promise<SourceSettings>;
  pin(
    actor: Actor,
    code: string,
    body: { manifest: string; fields?: PinnableField[] | undefined },
  ): Promise<SourceSettings>;
  unpin(actor: Actor, code: string): Promise<SourceSettings>;
  /** For pushes and webhooks: what deploys where. */
  triggers(code: string): Promise<SourceTriggers>;
  /** For the git source: the external repository with its credentials; SOURCE_NOT_CONFIGURED. */
  external(code: string): Promise<ExternalRepository & { credentials: RepositoryCredentials }>;
  pinKnownHosts(code: string, knownHosts: string): Promise<void>;
  pinned(code: string): Promise<PinnedManifest | undefined>;
  /** The app is gone. */
  forget(code: string): Promise<void>;
}

const DEFAULTS = { repository: 'hosted', branch: 'main', branch_env: 'stag', tag_env: null } as const;

export function createSourceSettings(deps: SourceSettingsDeps): SourceSettingsService {
  const { db } = deps.store;
  const context = (code: string) => `source:${code}`;

  const row = (code: string) =>
    db.selectFrom('app_sources').selectAll().where('app_code', '=', code).executeTakeFirst();

  function view(code: string, r: AppSourceRow | undefined): SourceSettings {
    const settings: SourceSettings = {
      repository: (r?.repository ?? DEFAULTS.repository) as SourceSettings['repository'],
      hosted: { remote: deps.remoteOf(code) },
      branch: r?.branch ?? DEFAULTS.branch,
      branchEnv: (r ? r.branch_env : DEFAULTS.branch_env) as EnvName | null,
      tagEnv: (r ? r.tag_env : DEFAULTS.tag_env) as EnvName | null,
    };
    if (r?.external_url) {
      settings.external = {
        url: r.external_url,
        auth: (r.external_auth ?? 'none') as 'none' | 'token' | 'ssh',
        ...(r.external_username ? { username: r.external_username } : {}),
        ...(r.known_hosts ? { knownHosts: r.known_hosts } : {}),
      };
    }
    if (r?.pin_manifest && r.pin_fields) {
      settings.pin = {
        manifest: r.pin_manifest,
        fields: JSON.parse(r.pin_fields) as PinnableField[],
        pinnedBy: r.pinned_by ?? '',
        pinnedAt: Number(r.pinned_at ?? 0),
      };
    }
    return settings;
  }

  /** Writes the row (made with the defaults when absent) and its audit entry together. */
  async function write(
    actor: Actor,
    code: string,
    action: string,
    patch: Partial<AppSourcesTable>,
    detail: Record<string, unknown>,
  ) {
    await db.transaction().execute(async (tx) => {
      const now = Date.now();
      const found = await tx
        .selectFrom('app_sources')
        .select('app_code')
        .where('app_code', '=', code)
        .executeTakeFirst();
      if (found) {
        await tx
          .updateTable('app_sources')
          .set({ ...patch, updated_at: now })
          .where('app_code', '=', code)
          .execute();
      } else {
        await tx
          .insertInto('app_sources')
          .values({
            app_code: code,
            repository: DEFAULTS.repository,
            external_url: null,
            external_auth: null,
            external_username: null,
            external_secret: null,
            known_hosts: null,
            branch: DEFAULTS.branch,
            branch_env: DEFAULTS.branch_env,
            tag_env: DEFAULTS.tag_env,
            pin_manifest: null,
            pin_fields: null,
            pinned_by: null,
            pinned_at: null,
            ...patch,
            updated_at: now,
          })
          .execute();
      }
      await deps.audit.record(tx, { actor, action, targetType: 'app', targetId: code, detail, ip: actor.ip });
    });
  }

  return {
    async get(actor, code) {
      await deps.authorize(actor, 'app.read', code);
      return view(code, await row(code));
    },

    async update(actor, code, body) {
      await deps.authorize(actor, 'source.write', code);
      const patch: Partial<AppSourcesTable> = {};
      const detail: Record<string, unknown> = {};
      if (body.branch !== undefined) patch.branch = deps.checkBranch(body.branch);
      if (body.branchEnv !== undefined) patch.branch_env = body.branchEnv;
      if (body.tagEnv !== undefined) patch.tag_env = body.tagEnv;
      if (body.external === null) {
        Object.assign(patch, {
          external_url: null,
          external_auth: null,
          external_username: null,
          external_secret: null,
          known_hosts: null,
        });
        detail['external'] = null;
      } else if (body.external !== undefined) {
        const e = body.external;
        if (e.token !== undefined && e.sshKey !== undefined) {
          throw new BerthError('VALIDATION_FAILED', 'Give a token or an SSH key, not both');
        }
        const url = deps.checkRemoteUrl(e.url);
        const ssh = isSshUrl(url);
        if (e.token !== undefined && ssh)
          throw new BerthError(
            'VALIDATION_FAILED',
            'A token is for https:// URLs; give an SSH key for this one',
          );
        if (e.sshKey !== undefined && !ssh)
          throw new BerthError('VALIDATION_FAILED', 'An SSH key is for ssh:// or user@host:path URLs');
        if (e.sshKey !== undefined && !/^-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(e.sshKey.trim())) {
          throw new BerthError(
            'VALIDATION_FAILED',
            'The SSH key must be a private key in OpenSSH or PEM form',
          );
        }
        const secret = e.token ?? (e.sshKey !== undefined ? `${e.sshKey.trim()}\n` : undefined);
        const before = await row(code);
        const sameUrl = before?.external_url === url;
        Object.assign(patch, {
          external_url: url,
          external_username: e.username ?? null,
          // A new URL without new credentials has none: credentials go with the host they were made for.
          external_auth:
            secret !== undefined
              ? e.token !== undefined
                ? 'token'
                : 'ssh'
              : sameUrl
                ? (before?.external_auth ?? 'none')
                : 'none',
          external_secret:
            secret !== undefined
              ? deps.secretBox.seal(secret, context(code))
              : sameUrl
                ? (before?.external_secret ?? null)
                : null,
          known_hosts:
            e.knownHosts !== undefined
              ? normaliseKnownHosts(e.knownHosts)
              : sameUrl
                ? (before?.known_hosts ?? null)
                : null,
        });
        detail['external'] = {
          url,
          auth: patch.external_auth,
          username: e.username ?? null,
          knownHosts: e.knownHosts !== undefined,
        };
      }
      if (body.repository !== undefined) patch.repository = body.repository;
      const after = { ...(await row(code)), ...patch };
      if (after.repository === 'external' && !after.external_url) {
        throw new BerthError(
          'SOURCE_NOT_CONFIGURED',
          'Set an external repository (external.url) before choosing it',
        );
      }
      for (const key of ['branch', 'branchEnv', 'tagEnv', 'repository'] as const) {
        if (body[key] !== undefined) detail[key] = body[key];
      }
      await write(actor, code, 'source.update', patch, detail);
      return view(code, await row(code));
    },

    async pin(actor, code, body) {
      await deps.authorize(actor, 'source.pin', code);
      const fields = checkManifestText(body.manifest);
      const pinned = body.fields ?? PINNABLE_FIELDS.filter((f) => fields[f] !== undefined);
      if (pinned.length === 0)
        throw new BerthError('VALIDATION_FAILED', 'The manifest sets none of the fields a pin holds');
      await write(
        actor,
        code,
        'source.pin',
        {
          pin_manifest: body.manifest,
          pin_fields: JSON.stringify(pinned),
          pinned_by: actor.username,
          pinned_at: Date.now(),
        },
        { fields: pinned },
      );
      return view(code, await row(code));
    },

    async unpin(actor, code) {
      await deps.authorize(actor, 'source.pin', code);
      await write(
        actor,
        code,
        'source.unpin',
        { pin_manifest: null, pin_fields: null, pinned_by: null, pinned_at: null },
        {},
      );
      return view(code, await row(code));
    },

    async triggers(code) {
      const v = view(code, await row(code));
      return { repository: v.repository, branch: v.branch, branchEnv: v.branchEnv, tagEnv: v.tagEnv };
    },

    async external(code) {
      const r = await row(code);
      if (!r?.external_url) throw new BerthError('SOURCE_NOT_CONFIGURED');
      const secret = r.external_secret ? deps.secretBox.open(r.external_secret, context(code)) : undefined;
      let credentials: RepositoryCredentials = { kind: 'none' };
      if (r.external_auth === 'token' && secret !== undefined) {
        credentials = {
          kind: 'token',
          token: secret,
          ...(r.external_username ? { username: r.external_username } : {}),
        };
      } else if (r.external_auth === 'ssh' && secret !== undefined) {
        credentials = {
          kind: 'ssh',
          privateKey: secret,
          ...(r.known_hosts ? { knownHosts: r.known_hosts } : {}),
        };
      }
      return { url: r.external_url, credentials, mirrorDir: deps.mirrorDirOf(code, r.external_url) };
    },

    async pinKnownHosts(code, knownHosts) {
      // Only a first pin: keys set by an operator, or pinned before, are never replaced by a fetch.
      await db
        .updateTable('app_sources')
        .set({ known_hosts: normaliseKnownHosts(knownHosts) })
        .where('app_code', '=', code)
        .where('known_hosts', 'is', null)
        .execute();
    },

    async pinned(code) {
      const r = await row(code);
      if (!r?.pin_manifest || !r.pin_fields) return undefined;
      return { manifest: r.pin_manifest, fields: JSON.parse(r.pin_fields) as PinnableField[] };
    },

    async forget(code) {
      await db.deleteFrom('app_sources').where('app_code', '=', code).execute();
    },
  };
}

function isSshUrl(url: string): boolean {
  return url.startsWith('ssh://') || /^[^/:@]+@[^/:]+:/.test(url);
}

function normaliseKnownHosts(text: string): string | null {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  return lines.length ? `${lines.join('\n')}\n` : null;
}
