// Receiving one delivery at an app's hook URL: find the app's secret, tell the provider by its event
// header, verify the raw body (or GitLab's token) in constant time, log the delivery (its unique keys
// make a replay lose the insert), read what it asks for and hand a push or tag to the deploy trigger.
// Every request to a known app's URL is logged with its outcome; only one to an unknown app is not.
import type { IncomingHttpHeaders } from 'node:http';
import { APP_CODE_PATTERN, type HookResponse, type WebhookProvider } from '@berth/sdk';
import type { Kysely } from 'kysely';
import { BerthError, isBerthError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Database } from '../store/schema.ts';
import { decide } from './decide.ts';
import { clean, type DeliveryLog, type DeliveryOutcome, type NewDelivery } from './delivery-log.ts';
import type { WebhookAudit } from './deps.ts';
import { hookDeliveryIds } from './ids.ts';
import { readPayload } from './payload.ts';
import { detectProvider } from './providers/detect-provider.ts';
import type { PushKind } from './ref-name.ts';
import type { WebhookSecrets } from './secrets.ts';
import { bodyDigest } from './verify.ts';

/** A verified push or tag, as the deploy trigger is told about it. */
export interface WebhookPush {
  code: string;
  provider: WebhookProvider;
  event: PushKind;
  /** refs/heads/… or refs/tags/…, a name git accepts. */
  ref: string;
  /** Full commit id (40 or 64 hex digits). When a host names only an annotated tag's object, this
   *  is that object's id: peel it (`^{commit}`) when fetching. */
  commit: string;
  /** The delivery's id in the app's webhook log (`whd_…`). */
  deliveryId: string;
  /** The host's own id of the delivery, when it sent one. */
  providerDeliveryId?: string;
  /** Who pushed, as the host names them. */
  pusher?: string;
  /** The repository's URL as the payload gives it: for the log only, never to fetch from. */
  repositoryUrl?: string;
}

/** What the deploy trigger did: started a deploy (`deployId`, `env`) or not (`ignored`: why). */
export interface DeliveryAnswer {
  deployId?: string;
  env?: string;
  ignored?: string;
}

/** The deploy trigger (the deploy engine's); a BerthError it throws is logged and answered. */
export type OnWebhookDelivery = (push: WebhookPush) => Promise<DeliveryAnswer>;

export interface HookRequest {
  code: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as received. */
  body: Buffer;
  remoteAddress?: string;
}

export interface HookResult {
  status: 200 | 202;
  body: HookResponse;
}

const CODE_RE = new RegExp(APP_CODE_PATTERN);
/** How long a delivery may stay `received` before a redelivery takes it over: far beyond any host's
 *  wait for an answer (GitHub 10 s, GitLab and Gitea under a minute by default). */
export const STALE_MS = 10 * 60_000;
/** A delivery id used as a key as sent: printable ASCII, not too long. */
const PLAIN_ID = /^[\x21-\x7e]{1,128}$/;

export interface ReceiverDeps {
  db: Kysely<Database>;
  secrets: WebhookSecrets;
  log: DeliveryLog;
  audit: WebhookAudit;
  onDelivery: OnWebhookDelivery;
  logger: Logger;
  now: () => number;
}

export function createReceiver(deps: ReceiverDeps): (req: HookRequest) => Promise<HookResult> {
  const { log, logger } = deps;
  const newId = hookDeliveryIds();

  return async function receive(req) {
    const secret = CODE_RE.test(req.code) ? await deps.secrets.find(req.code) : undefined;
    if (secret === undefined) throw new BerthError('WEBHOOK_NOT_FOUND');

    const detected = detectProvider(req.headers);
    const digest = bodyDigest(req.body);
    const providerId = detected?.provider.deliveryIdOf(req.headers);
    const receivedAt = deps.now();
    const row: NewDelivery = {
      id: newId(receivedAt),
      app_code: req.code,
      provider: detected?.provider.name ?? null,
      event: clean(detected?.event, 64),
      delivery_id: clean(providerId, 128),
      replay_key: null,
      body_key: null,
      body_sha256: digest,
      received_at: receivedAt,
      verified: 0,
      outcome: 'refused',
      reason: null,
      error_code: null,
      ref: null,
      commit_sha: null,
      deploy_id: null,
      env: null,
      remote_address: clean(req.remoteAddress, 64),
    };

    if (detected === undefined) {
      const error = new BerthError(
        'VALIDATION_FAILED',
        'Not a GitHub, GitLab, Gitea or Gogs delivery: no event header (X-GitHub-Event, X-Gitlab-Event, X-Gitea-Event, X-Gogs-Event)',
      );
      await log.insert({ ...row, reason: 'no known event header', error_code: error.code });
      throw error;
    }
    const { provider, event } = detected;
    const unverified = provider.verify(req.headers, req.body, secret);
    if (unverified !== undefined) {
      await log.insert({ ...row, reason: unverified, error_code: 'WEBHOOK_SIGNATURE_INVALID' });
      throw new BerthError(
        'WEBHOOK_SIGNATURE_INVALID',
        `The webhook delivery is not signed with the app's webhook secret: ${unverified}`,
      );
    }

    // Verified. Its keys (the delivery id, and for signed bodies the body too) make a replay lose
    // this insert; it is then logged as a delivery of its own, ignored.
    const bodyKey = `body:${digest}`;
    const replayKey =
      providerId === undefined
        ? bodyKey
        : PLAIN_ID.test(providerId)
          ? `id:${providerId}`
          : `id-sha256:${bodyDigest(Buffer.from(providerId))}`;
    const verified: NewDelivery = {
      ...row,
      verified: 1,
      outcome: 'received',
      replay_key: replayKey,
      body_key: provider.name === 'gitlab' ? null : bodyKey,
    };
    // A delivery still `received` long after a host gave up waiting was left by a berthd that stopped
    // halfway: it gives its keys up, so that this redelivery is handled.
    const taken =
      (await log.insert(verified)) ||
      ((await log.releaseStale(verified, receivedAt - STALE_MS)) && (await log.insert(verified)));
    if (!taken) {
      const reason =
        providerId === undefined
          ? 'replayed: this body was delivered before'
          : 'replayed: this delivery (or its signed body) was received before';
      const replay = { ...verified, replay_key: null, body_key: null, outcome: 'ignored', reason };
      await log.insert(replay);
      logger.info({ app: req.code, provider: provider.name, delivery: providerId }, 'webhook replay ignored');
      return answer(202, { result: 'ignored', delivery: row.id, reason });
    }

    let handed = false;
    let finished = false;
    let seen: Pick<DeliveryOutcome, 'ref' | 'commit_sha'> = {};
    const finish = async (outcome: DeliveryOutcome, audit?: Record<string, unknown>) => {
      finished = true;
      if (audit === undefined) return log.finish(row.id, outcome);
      await deps.db.transaction().execute(async (trx) => {
        await log.finish(row.id, outcome, trx);
        await deps.audit.record(trx, {
          actor: null,
          actorName: `webhook:${provider.name}`,
          action: 'webhook.deploy',
          targetType: 'app',
          targetId: req.code,
          detail: audit,
          ...(req.remoteAddress === undefined ? {} : { ip: req.remoteAddress }),
        });
      });
    };
    try {
      const decision = decide(
        provider.read(event, readPayload(single(req.headers['content-type']), req.body)),
      );
      if (decision.action === 'ignore') {
        const { reason, status } = decision;
        seen = { ref: decision.ref ?? null, commit_sha: decision.commit ?? null };
        await finish({ ...seen, outcome: 'ignored', reason });
        return answer(status, { result: 'ignored', delivery: row.id, reason });
      }
      const { kind, ref, commit, pusher, repositoryUrl } = decision;
      seen = { ref, commit_sha: commit };
      const push: WebhookPush = {
        code: req.code,
        provider: provider.name,
        event: kind,
        ref,
        commit,
        deliveryId: row.id,
        ...(providerId === undefined ? {} : { providerDeliveryId: providerId }),
        ...(pusher === undefined ? {} : { pusher }),
        ...(repositoryUrl === undefined ? {} : { repositoryUrl }),
      };
      handed = true;
      const done = await deps.onDelivery(push);
      if (done.deployId === undefined) {
        const reason = done.ignored ?? 'the deploy trigger started nothing';
        await finish({ ...seen, outcome: 'ignored', reason });
        return answer(202, { result: 'ignored', delivery: row.id, reason });
      }
      const env = done.env ?? null;
      await finish(
        { ...seen, outcome: 'started', deploy_id: done.deployId, env },
        { delivery: row.id, provider: provider.name, ref, commit, pusher, deployId: done.deployId, env },
      );
      const started: HookResponse = { result: 'started', delivery: row.id, deployId: done.deployId };
      if (done.env !== undefined) started.env = done.env;
      return answer(202, started);
    } catch (err) {
      if (finished) throw err;
      // Before the trigger: the delivery could not be read (refused); from the trigger: it failed.
      const berth = isBerthError(err) ? err : undefined;
      if (!berth) logger.error({ err, app: req.code, delivery: row.id }, 'webhook delivery failed');
      await log.finish(row.id, {
        ...seen,
        outcome: handed ? 'failed' : 'refused',
        reason: berth?.message ?? 'internal error',
        error_code: berth?.code ?? 'INTERNAL',
      });
      throw err;
    }
  };
}

function answer(status: 200 | 202, body: HookResponse): HookResult {
  return { status, body };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
