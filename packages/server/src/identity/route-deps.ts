import type { AuditLog } from './audit-log.ts';
import type { Identity } from './identity.ts';

/** What the identity module's routes need. */
export interface IdentityRouteDeps {
  identity: Identity;
  audit: AuditLog;
  /** Checks an app's code and secret (the apps module). */
  verifyAppSecret: (code: string, secret: string) => Promise<boolean>;
  cookieSecure: boolean;
  sessionTtlMs: number;
}
