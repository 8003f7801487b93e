import type { AppsOrigin } from './app-return-url.ts';
import type { AuditLog } from './audit-log.ts';
import type { Identity } from './identity.ts';

/** What the identity module's routes need. */
export interface IdentityRouteDeps {
  identity: Identity;
  audit: AuditLog;
  /** Checks an app's code and secret (the apps module). */
  verifyAppSecret: (code: string, secret: string) => Promise<boolean>;
  sessionTtlMs: number;
  /** The apps origin, where app-login may send browsers back to (read per request: its port may be
   *  known only once berthd listens). */
  appsOrigin: () => AppsOrigin;
  /** The console's public URL, for messages. */
  consoleUrl: () => string;
}
