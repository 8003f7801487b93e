// Tables owned by the identity module. Times are epoch milliseconds, booleans 0/1, JSON is text.

export interface UsersTable {
  id: string;
  /** Unique and immutable. */
  username: string;
  display_name: string;
  email: string | null;
  role: string;
  disabled: number;
  /** `scrypt$N$r$p$salt$hash` (see passwords.ts). */
  password_hash: string;
  created_at: number;
  updated_at: number;
  password_changed_at: number;
  /** 1 while the user must change their password before anything else (a generated first password). */
  password_change_required: number;
}

/** Browser sessions; the token itself is never stored, only its SHA-256 digest. */
export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  ip: string | null;
  user_agent: string | null;
  last_seen_at: number;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** The first characters of the token, for display. */
  prefix: string;
  token_hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

/**
 * One row per login attempt that has not succeeded: written before the password is checked, kept
 * when it was wrong, deleted when it was right (see login-limiter.ts).
 */
export interface LoginFailuresTable {
  id: string;
  at: number;
  username: string;
  ip: string;
}

export interface AuditEventsTable {
  id: string;
  at: number;
  actor_id: string | null;
  actor_name: string;
  action: string;
  target_type: string;
  target_id: string;
  ip: string | null;
  /** JSON object or null. */
  detail: string | null;
}

/** Login tickets for apps (app-tickets.ts): single use, short-lived, stored as SHA-256 digests. */
/** Tokens an app got for a user at a ticket's redemption: they name the user in API gateway calls
 *  of that app, and nowhere else (gateway-user-tokens.ts). */
export interface GatewayUserTokensTable {
  id: string;
  token_hash: string;
  user_id: string;
  /** The app the token was given to: only its calls may use it. */
  app: string;
  created_at: number;
  expires_at: number;
}

export interface AppTicketsTable {
  id: string;
  ticket_hash: string;
  user_id: string;
  /** The app code and environment the ticket is for: no other app or environment redeems it. */
  app: string;
  env: string;
  created_at: number;
  expires_at: number;
  /** When the app redeemed it; null while unused. */
  used_at: number | null;
}

export interface IdentityTables {
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  login_failures: LoginFailuresTable;
  audit_events: AuditEventsTable;
  app_tickets: AppTicketsTable;
  gateway_user_tokens: GatewayUserTokensTable;
}
