// What each git host's deliveries look like to Berth: which header names the event, which carries the
// delivery id, how the request proves it knows the app's secret, and how its push payload reads. One
// small object per provider (github.ts, gitlab.ts, gitea.ts), found by detect-provider.ts.
import type { IncomingHttpHeaders } from 'node:http';
import type { WebhookProvider } from '@berth/sdk';

/** What a verified delivery asks for. */
export type HookEvent =
  | {
      kind: 'push';
      /** The full ref name as sent, e.g. refs/heads/main or refs/tags/v1.2.0. */
      ref: string;
      /** The commit the ref points to after the push: all zeros when the ref was deleted. */
      commit: string;
      /** Who pushed (the host's user name), when the payload says. */
      pusher?: string;
      /** The repository's clone URL as the payload gives it: logged and passed on, never fetched. */
      repositoryUrl?: string;
    }
  /** GitHub's hello when a hook is added: answered 200, nothing more. */
  | { kind: 'ping' }
  /** Verified, but nothing Berth acts on: `reason` says what it was. */
  | { kind: 'other'; reason: string };

export interface Provider {
  readonly name: WebhookProvider;
  /** The event name when the request carries this provider's event header, else undefined. */
  eventOf(headers: IncomingHttpHeaders): string | undefined;
  /** The provider's id of this delivery (the same again when it redelivers), if it sends one. */
  deliveryIdOf(headers: IncomingHttpHeaders): string | undefined;
  /** Undefined when the request proves it knows `secret`; else why it does not (for the log). */
  verify(headers: IncomingHttpHeaders, body: Buffer, secret: string): string | undefined;
  /** What the verified delivery asks for. Throws VALIDATION_FAILED when a push payload lacks what
   *  every push of this provider carries. */
  read(event: string, payload: unknown): HookEvent;
}

/** A header's value as one string (a repeated header counts as absent: no host sends one twice). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
