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
import { clean, type DeliveryLog, type DeliveryOutcome, type NewDelivery } from './delivery-log.ts';
import type { WebhookAudit } from './deps.ts';
import { newHookDeliveryId } from './ids.ts';
import { readPayload } from './payload.ts';
import { detectProvider } from './providers/detect-provider.ts';
import { isZeroCommit } from './providers/push-payload.ts';
import { isValidRefName, type PushKind, pushKindOf } from './ref-name.ts';
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

  return async function receive(req) {
    const secret = CODE_RE.test(req.code) ? await deps.secrets.find(req.code) : undefined;
    if (secret === undefined) throw new BerthError('WEBHOOK_NOT_FOUND');

    const detected = detectProvider(req.headers);
    const digest = bodyDigest(req.body);
    const providerId = detected?.provider.deliveryIdOf(req.headers);
    const row: NewDelivery = {
      id: newHookDeliveryId(deps.now()),
      app_code: req.code,
      provider: detected?.provider.name ?? null,
      event: clean(detected?.event, 64),
      delivery_id: clean(providerId, 128),
      replay_key: null,
      body_key: null,
      body_sha256: digest,
      received_at: deps.now(),
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
          ? providerId
          : `id:${bodyDigest(Buffer.from(providerId))}`;
    const verified: NewDelivery = {
      ...row,
      verified: 1,
      outcome: 'received',
      replay_key: replayKey,
      body_key: provider.name === 'gitlab' ? null : bodyKey,
    };
    if (!(await log.insert(verified))) {
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
      const hook = provider.read(event, readPayload(single(req.headers['content-type']), req.body));
      if (hook.kind === 'ping') {
        await finish({ outcome: 'ignored', reason: 'ping' });
        return answer(200, { result: 'ignored', delivery: row.id, reason: 'ping' });
      }
      if (hook.kind === 'other') {
        await finish({ outcome: 'ignored', reason: hook.reason });
        return answer(202, { result: 'ignored', delivery: row.id, reason: hook.reason });
      }
      const ref = clean(hook.ref, 512);
      const kind = pushKindOf(hook.ref);
      seen = { ref, commit_sha: hook.commit };
      if (kind === undefined) {
        const reason = `ref ${ref} is neither a branch nor a tag`;
        await finish({ ...seen, outcome: 'ignored', reason });
        return answer(202, { result: 'ignored', delivery: row.id, reason });
      }
      if (!isValidRefName(hook.ref)) {
        throw new BerthError(
          'GIT_REF_INVALID',
          `The pushed ref ${ref} is not a valid git ${kind === 'tag' ? 'tag' : 'branch'} name`,
        );
      }
      if (isZeroCommit(hook.commit)) {
        const reason = `${kind === 'tag' ? 'tag' : 'branch'} ${hook.ref} was deleted`;
        await finish({ ...seen, outcome: 'ignored', reason });
        return answer(202, { result: 'ignored', delivery: row.id, reason });
      }
      const pusher = clean(hook.pusher, 255);
      const repositoryUrl = clean(hook.repositoryUrl, 2048);
      const push: WebhookPush = {
        code: req.code,
        provider: provider.name,
        event: kind,
        ref: hook.ref,
        commit: hook.commit,
        deliveryId: row.id,
        ...(providerId === undefined ? {} : { providerDeliveryId: providerId }),
        ...(pusher === null ? {} : { pusher }),
        ...(repositoryUrl === null ? {} : { repositoryUrl }),
      };
      handed = true;
      const done = await deps.onDelivery(push);
      if (done.deployId === undefined) {
        const reason = done.ignored ?? 'the deploy trigger started nothing';
        await finish({ ...seen, outcome: 'ignored', reason });
        return answer(202, { result: 'ignored', delivery: row.id, reason });
      }
      await finish(
        { ...seen, outcome: 'started', deploy_id: done.deployId, env: done.env ?? null },
        {
          delivery: row.id,
          provider: provider.name,
          providerDelivery: providerId ?? null,
          ref: hook.ref,
          commit: hook.commit,
          pusher: pusher,
          deployId: done.deployId,
          env: done.env ?? null,
        },
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
