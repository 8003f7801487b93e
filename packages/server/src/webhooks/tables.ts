// Tables owned by the webhooks module. Times are epoch milliseconds, booleans 0/1.
import type { Selectable } from 'kysely';

/** An app's inbound webhook secret, made the first time someone looks at the app's webhook. */
export interface WebhookSecretsTable {
  app_code: string;
  /** 32 random bytes as hex, sealed with the context `webhook:{code}`. */
  secret_sealed: string;
  created_at: number;
  updated_at: number;
}

/** One request to an app's hook URL, verified or not, and what became of it. */
export interface WebhookDeliveriesTable {
  id: string;
  app_code: string;
  /** github | gitlab | gitea | gogs; null when no known event header said. */
  provider: string | null;
  /** The provider's event name as sent (clipped). */
  event: string | null;
  /** The provider's delivery id as sent (clipped). */
  delivery_id: string | null;
  /** What makes a verified delivery unique for its app and provider: its delivery id, or
   *  `sha256:{body digest}` when the provider sent none. Null for a delivery that was not verified
   *  (a forger must not be able to take a real delivery's id) and once a delivery failed (so that
   *  the provider's "redeliver" can try again). Unique with app_code and provider. */
  replay_key: string | null;
  /** `body:{digest}` for a verified delivery of a provider that signs its bodies: the same signed
   *  body sent again under a new delivery id (which no signature covers) is a replay too. Null for
   *  GitLab (its token is no signature: whoever saw one delivery can forge any other) and whenever
   *  replay_key is null. Unique with app_code and provider. */
  body_key: string | null;
  body_sha256: string;
  received_at: number;
  verified: number;
  /** received | started | ignored | refused | failed */
  outcome: string;
  reason: string | null;
  error_code: string | null;
  ref: string | null;
  commit_sha: string | null;
  deploy_id: string | null;
  env: string | null;
  remote_address: string | null;
}

export interface WebhooksTables {
  webhook_secrets: WebhookSecretsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
