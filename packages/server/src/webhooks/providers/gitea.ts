// Gitea (and Forgejo, which sends Gitea's headers too) and Gogs, whose webhooks Gitea inherited: the
// event header (X-Gitea-Event, X-Gogs-Event), a delivery id, and the hex HMAC-SHA256 of the raw body
// (X-Gitea-Signature, X-Gogs-Signature). A pushed tag arrives as a `push` to refs/tags/…; the
// `create` event sent with it is ignored, so a tag starts one deploy, not two.
import type { WebhookProvider } from '@berth/sdk';
import { hmacMatches } from '../verify.ts';
import { type HookEvent, header, type Provider } from './provider.ts';
import { child, readPush, text } from './push-payload.ts';

function giteaLike(name: WebhookProvider, prefix: string, label: string): Provider {
  const signatureHeader = `x-${prefix}-signature`;
  const shown = `X-${label}-Signature`;
  return {
    name,
    eventOf: (headers) => header(headers, `x-${prefix}-event`),
    deliveryIdOf: (headers) => header(headers, `x-${prefix}-delivery`),
    verify(headers, body, secret) {
      const signature = header(headers, signatureHeader);
      if (signature === undefined) return `no ${shown} header (set a secret on the hook)`;
      return hmacMatches(secret, body, signature)
        ? undefined
        : `${shown} does not match the app's webhook secret`;
    },
    read(event, payload): HookEvent {
      if (event === 'create') {
        return { kind: 'other', reason: 'event "create": a pushed tag is deployed from its push event' };
      }
      if (event !== 'push') return { kind: 'other', reason: `event "${event}" is not a push` };
      return readPush(payload, (push) => ({
        commits: [text(child(push, 'head_commit'), 'id')],
        pusher: text(child(push, 'pusher'), 'username') ?? text(child(push, 'pusher'), 'login'),
        repositoryUrl: text(child(push, 'repository'), 'clone_url'),
      }));
    },
  };
}

export const gitea = giteaLike('gitea', 'gitea', 'Gitea');
export const gogs = giteaLike('gogs', 'gogs', 'Gogs');
