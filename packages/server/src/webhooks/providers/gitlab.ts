// GitLab: X-Gitlab-Event names the event ("Push Hook", "Tag Push Hook"), X-Gitlab-Token carries the
// secret token as typed into the hook's settings (GitLab does not sign bodies), and
// X-Gitlab-Event-UUID (or, from newer GitLab, Idempotency-Key) identifies the delivery.
import { tokenMatches } from '../verify.ts';
import { type HookEvent, header, type Provider } from './provider.ts';
import { child, readPush, text } from './push-payload.ts';

const PUSH_EVENTS = new Set(['Push Hook', 'Tag Push Hook']);

export const gitlab: Provider = {
  name: 'gitlab',
  eventOf: (headers) => header(headers, 'x-gitlab-event'),
  deliveryIdOf: (headers) => header(headers, 'idempotency-key') ?? header(headers, 'x-gitlab-event-uuid'),
  verify(headers, _body, secret) {
    const token = header(headers, 'x-gitlab-token');
    if (token === undefined) return 'no X-Gitlab-Token header (set the secret token on the hook)';
    return tokenMatches(secret, token) ? undefined : "X-Gitlab-Token is not the app's webhook secret";
  },
  read(event, payload): HookEvent {
    if (!PUSH_EVENTS.has(event)) return { kind: 'other', reason: `event "${event}" is not a push` };
    // checkout_sha is the commit (after may name an annotated tag's object); null on a deletion.
    return readPush(payload, (push) => ({
      commits: [text(push, 'checkout_sha')],
      pusher: text(push, 'user_username') ?? text(push, 'user_name'),
      repositoryUrl:
        text(child(push, 'project'), 'git_http_url') ?? text(child(push, 'repository'), 'git_http_url'),
    }));
  },
};
