// What the git hosts send, for the webhook tests: the payload fixtures (written from each host's
// documented fields, trimmed) as raw bytes, and each host's headers for a delivery: its event, its
// delivery id and its proof of the secret (a signature of the exact bytes, or GitLab's token).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { WebhookProvider } from '@berth/sdk';

export type FixtureName =
  | 'github-push'
  | 'github-tag-push'
  | 'github-ping'
  | 'github-issues'
  | 'github-branch-delete'
  | 'gitlab-push'
  | 'gitlab-tag-push'
  | 'gitlab-merge-request'
  | 'gitea-push'
  | 'gitea-tag-push'
  | 'gitea-create-tag'
  | 'gogs-push';

/** The fixture's bytes as a host sends them (pretty-printed, with its newlines). */
export function fixture(name: FixtureName): Buffer {
  return fs.readFileSync(path.join(import.meta.dirname, 'fixtures', `${name}.json`));
}

export function hmacHex(secret: string, body: Buffer | string): string {
  return crypto.createHmac('sha256', secret).update(body).digest('hex');
}

export interface DeliveryHeaders {
  /** The event name (the provider's spelling, e.g. `push`, `Tag Push Hook`). */
  event: string;
  /** The delivery id header; a fresh UUID by default, none with `null`. */
  deliveryId?: string | null;
  /** The secret to sign with (or send, GitLab); none: no signature header at all. */
  secret?: string;
  /** The bytes to sign, when not the body itself (a tampered body). */
  signed?: Buffer;
}

/** The headers `provider` sends with `body`. Gitea also sends Gogs' and GitHub's, as it does. */
export function hostHeaders(
  provider: WebhookProvider,
  body: Buffer,
  h: DeliveryHeaders,
): Record<string, string> {
  const id = h.deliveryId === undefined ? crypto.randomUUID() : h.deliveryId;
  const mac = h.secret === undefined ? undefined : hmacHex(h.secret, h.signed ?? body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const set = (name: string, value: string | null | undefined) => {
    if (value !== null && value !== undefined) headers[name] = value;
  };
  switch (provider) {
    case 'github':
      set('user-agent', 'GitHub-Hookshot/5d7e1a2');
      set('x-github-event', h.event);
      set('x-github-delivery', id);
      set('x-github-hook-id', '481516234');
      set('x-hub-signature-256', mac && `sha256=${mac}`);
      break;
    case 'gitlab':
      set('user-agent', 'GitLab/18.6.0');
      set('x-gitlab-event', h.event);
      set('x-gitlab-event-uuid', id);
      set('x-gitlab-instance', 'https://gitlab.example.com');
      set('x-gitlab-token', h.secret);
      break;
    case 'gitea':
      set('x-gitea-event', h.event);
      set('x-gitea-event-type', h.event);
      set('x-gitea-delivery', id);
      set('x-gitea-signature', mac);
      set('x-gogs-event', h.event);
      set('x-gogs-delivery', id);
      set('x-gogs-signature', mac);
      set('x-github-event', h.event);
      set('x-github-delivery', id);
      set('x-hub-signature-256', mac && `sha256=${mac}`);
      break;
    case 'gogs':
      set('x-gogs-event', h.event);
      set('x-gogs-delivery', id);
      set('x-gogs-signature', mac);
      break;
  }
  return headers;
}

/** A push or tag fixture and what Berth reads from it. */
export interface PushCase {
  name: FixtureName;
  provider: WebhookProvider;
  /** The event header's value. */
  event: string;
  kind: 'push' | 'tag';
  ref: string;
  commit: string;
  pusher: string;
  repositoryUrl: string;
}

const GITHUB = { pusher: 'octocat', repositoryUrl: 'https://github.com/octo-org/shop.git' };
const GITLAB = { pusher: 'jsmith', repositoryUrl: 'https://gitlab.example.com/mike/shop.git' };
const GITEA = { pusher: 'alice', repositoryUrl: 'https://gitea.example.com/team/shop.git' };

export const PUSH_CASES: readonly PushCase[] = [
  {
    name: 'github-push',
    provider: 'github',
    event: 'push',
    kind: 'push',
    ref: 'refs/heads/main',
    commit: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
    ...GITHUB,
  },
  {
    // An annotated tag: `after` is the tag object, head_commit the commit it tags.
    name: 'github-tag-push',
    provider: 'github',
    event: 'push',
    kind: 'tag',
    ref: 'refs/tags/v1.2.0',
    commit: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
    ...GITHUB,
  },
  {
    name: 'gitlab-push',
    provider: 'gitlab',
    event: 'Push Hook',
    kind: 'push',
    ref: 'refs/heads/main',
    commit: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    ...GITLAB,
  },
  {
    // checkout_sha (the commit), not after (the annotated tag's object).
    name: 'gitlab-tag-push',
    provider: 'gitlab',
    event: 'Tag Push Hook',
    kind: 'tag',
    ref: 'refs/tags/v1.0.0',
    commit: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    ...GITLAB,
  },
  {
    name: 'gitea-push',
    provider: 'gitea',
    event: 'push',
    kind: 'push',
    ref: 'refs/heads/main',
    commit: 'bffeb74224043ba2feb48d137756c8a9331c449a',
    ...GITEA,
  },
  {
    name: 'gitea-tag-push',
    provider: 'gitea',
    event: 'push',
    kind: 'tag',
    ref: 'refs/tags/v2.0.1',
    commit: 'bffeb74224043ba2feb48d137756c8a9331c449a',
    ...GITEA,
  },
  {
    name: 'gogs-push',
    provider: 'gogs',
    event: 'push',
    kind: 'push',
    ref: 'refs/heads/master',
    commit: '2c1f1fdbf0c8d7d4f2f6e1ad1d9fb2e8b7c6a5d4',
    pusher: 'bob',
    repositoryUrl: 'https://gogs.example.com/team/shop.git',
  },
];

export interface HookAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect arbitrary JSON
  body: any;
}

/** Posts `body` to the app's hook URL at berthd `url`, as a host would (no Berth credential). */
export async function postHook(
  url: string,
  code: string,
  body: Buffer | string,
  headers: Record<string, string>,
): Promise<HookAnswer> {
  const res = await fetch(`${url}/api/v1/hooks/${code}`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
