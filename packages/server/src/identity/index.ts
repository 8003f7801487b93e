// The identity module: users, roles, sessions, API tokens, failed-login limits, the audit log and
// the login tickets apps redeem.
export type { Actor } from './actor.ts';
export { SYSTEM_ACTOR_NAME } from './actor.ts';
export type { ApiTokens, CreateApiTokenInput, CreatedApiToken } from './api-tokens.ts';
export type { AppsOrigin } from './app-return-url.ts';
export type { AppTickets } from './app-tickets.ts';
export type { AuditFilter, AuditLog, AuditPage, AuditRecord } from './audit-log.ts';
export { createAuditLog } from './audit-log.ts';
export type { BootstrapResult } from './bootstrap.ts';
export {
  API_TOKEN_PREFIX,
  PLAIN_SESSION_COOKIE,
  PLATFORM_COOKIES,
  SECURE_SESSION_COOKIE,
  sessionCookieName,
} from './credentials.ts';
export type { Identity, IdentityDeps } from './identity.ts';
export { createIdentity } from './identity.ts';
export { identityRoutes } from './identity-routes.ts';
export { identityMigrations } from './migrations.ts';
export type { PasswordParams } from './passwords.ts';
export type { IdentityRouteDeps } from './route-deps.ts';
export type { LoginInput, LoginResult, Sessions } from './sessions.ts';
export type { UserSummary } from './user-records.ts';
export type { CreateUserInput, UpdateUserInput, Users } from './users.ts';
