// The source settings form's logic, kept apart from the page so it is tested on its own: the draft
// an edit starts from, and the body it sends, which holds only what changed. The external
// repository's credential is write-only: the draft starts with it empty, and it is sent only when a
// new one is typed. Two rules of the API shape the form: a change of URL drops the credential (it
// was made for the old host), so a new URL with auth needs a new credential; and an edit that keeps
// the URL keeps the credential, so "none" cannot drop one: removing the repository does.
import type { EnvName, RepositoryKind, SourceSettings, SourceSettingsUpdate } from '@berth/sdk';
import { CREDENTIAL_FIELD, type RepositoryAuth } from './source-lists.ts';

export interface ExternalDraft {
  url: string;
  auth: RepositoryAuth;
  username: string;
  knownHosts: string;
  /** A new token or SSH key, as typed; empty keeps the one set. */
  credential: string;
}

export interface SourceDraft {
  repository: RepositoryKind;
  branch: string;
  branchEnv: EnvName | null;
  tagEnv: EnvName | null;
  /** null: no external repository (or remove the one set). */
  external: ExternalDraft | null;
}

export type SourceFormProblem =
  | 'branchRequired'
  | 'urlRequired'
  | 'credentialRequired'
  | 'credentialKept'
  | 'externalRequired';

export type SourceFormResult =
  | { ok: true; body: SourceSettingsUpdate; changed: boolean }
  | { ok: false; problem: SourceFormProblem };

export function emptyExternal(): ExternalDraft {
  return { url: '', auth: 'none', username: '', knownHosts: '', credential: '' };
}

export function sourceDraftOf(settings: SourceSettings): SourceDraft {
  const e = settings.external;
  return {
    repository: settings.repository,
    branch: settings.branch,
    branchEnv: settings.branchEnv,
    tagEnv: settings.tagEnv,
    external: e
      ? {
          url: e.url,
          auth: e.auth,
          username: e.username ?? '',
          knownHosts: e.knownHosts ?? '',
          credential: '',
        }
      : null,
  };
}

/** The body that turns `settings` into `draft`, or why the draft cannot be sent. */
export function sourceBodyOf(draft: SourceDraft, settings: SourceSettings): SourceFormResult {
  const body: SourceSettingsUpdate = {};
  const branch = draft.branch.trim();
  if (!branch) return { ok: false, problem: 'branchRequired' };
  if (branch !== settings.branch) body.branch = branch;
  if (draft.branchEnv !== settings.branchEnv) body.branchEnv = draft.branchEnv;
  if (draft.tagEnv !== settings.tagEnv) body.tagEnv = draft.tagEnv;
  if (draft.repository === 'external' && !draft.external) return { ok: false, problem: 'externalRequired' };

  const external = externalBodyOf(draft.external, settings.external);
  if (external === 'urlRequired' || external === 'credentialRequired' || external === 'credentialKept') {
    return { ok: false, problem: external };
  }
  if (external !== undefined) body.external = external;
  // The repository goes after its external one: choosing "external" while adding it is one change.
  if (draft.repository !== settings.repository) body.repository = draft.repository;
  return { ok: true, body, changed: Object.keys(body).length > 0 };
}

type ExternalBody = SourceSettingsUpdate['external'];

function externalBodyOf(
  draft: ExternalDraft | null,
  current: SourceSettings['external'],
): ExternalBody | 'urlRequired' | 'credentialRequired' | 'credentialKept' {
  if (!draft) return current ? null : undefined;
  const url = draft.url.trim();
  if (!url) return 'urlRequired';
  const credential = draft.credential.trim();
  const sameUrl = current?.url === url;
  // What the server keeps without a new credential: the current one for the same URL, else none.
  const kept: RepositoryAuth = sameUrl && current ? current.auth : 'none';
  if (draft.auth !== 'none' && !credential && kept !== draft.auth) return 'credentialRequired';
  if (draft.auth === 'none' && kept !== 'none') return 'credentialKept';
  const username = draft.username.trim();
  const knownHosts = draft.knownHosts.trim();
  const knownHostsChanged = knownHosts !== (current?.knownHosts ?? '').trim();
  const changed =
    !sameUrl ||
    username !== (current?.username ?? '') ||
    knownHostsChanged ||
    (draft.auth !== 'none' && credential !== '');
  if (!changed) return undefined;
  return {
    url,
    // The server sets the user name from each update: send it again, or it is dropped.
    ...(username ? { username } : {}),
    ...(knownHostsChanged ? { knownHosts } : {}),
    ...(draft.auth !== 'none' && credential ? { [CREDENTIAL_FIELD[draft.auth]]: credential } : {}),
  };
}
