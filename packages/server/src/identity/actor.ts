// Who is making a request: the user behind a session cookie or an API token, and from where.
import type { Role } from '@berth/sdk';

export interface Actor {
  userId: string;
  username: string;
  role: Role;
  /** How the request authenticated. */
  via: 'session' | 'token';
  /** The session or API token id, so logout can revoke exactly the credential in use. */
  credentialId: string;
  /** Client address as seen by berthd (honours X-Forwarded-For only when BERTH_TRUST_PROXY is on). */
  ip: string;
}

/** The platform itself acting (bootstrap, background jobs), for the audit log. */
export const SYSTEM_ACTOR_NAME = 'system';
