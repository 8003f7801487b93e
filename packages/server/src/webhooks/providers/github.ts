// GitHub: X-GitHub-Event names the event (push; ping when the hook is added), X-GitHub-Delivery is a
// GUID that a redelivery repeats, X-Hub-Signature-256 is `sha256=` and the hex HMAC-SHA256 of the raw
// body. (The older SHA-1 X-Hub-Signature alone is not accepted.)
import { hmacMatches } from '../verify.ts';
import { type HookEvent, header, type Provider } from './provider.ts';
import { child, readPush, text } from './push-payload.ts';

const SIGNATURE_PREFIX = 'sha256=';

export const github: Provider = {
  name: 'github',
  eventOf: (headers) => header(headers, 'x-github-event'),
  deliveryIdOf: (headers) => header(headers, 'x-github-delivery'),
  verify(headers, body, secret) {
    const signature = header(headers, 'x-hub-signature-256');
    if (signature === undefined) {
      return header(headers, 'x-hub-signature') === undefined
        ? 'no X-Hub-Signature-256 header (set a secret on the hook)'
        : 'only a SHA-1 X-Hub-Signature, which Berth does not accept';
    }
    if (!signature.startsWith(SIGNATURE_PREFIX)) return 'X-Hub-Signature-256 is not sha256=<hex>';
    return hmacMatches(secret, body, signature.slice(SIGNATURE_PREFIX.length))
      ? undefined
      : "X-Hub-Signature-256 does not match the app's webhook secret";
  },
  read(event, payload): HookEvent {
    if (event === 'ping') return { kind: 'ping' };
    if (event !== 'push') return { kind: 'other', reason: `event "${event}" is not a push` };
    // An annotated tag's `after` names the tag object; head_commit is the commit it tags.
    return readPush(payload, (push) => ({
      commits: [text(child(push, 'head_commit'), 'id')],
      pusher: text(child(push, 'pusher'), 'name') ?? text(child(push, 'sender'), 'login'),
      repositoryUrl: text(child(push, 'repository'), 'clone_url'),
    }));
  },
};
