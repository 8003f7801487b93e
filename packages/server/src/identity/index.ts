// The identity module: users, roles, sessions, API tokens, failed-login limits and the audit log.
export type { Actor } from './actor.ts';
export { SYSTEM_ACTOR_NAME } from './actor.ts';
export type { ApiTokens, CreateApiTokenInput, CreatedApiToken } from './api-tokens.ts';
export type { AuditFilter, AuditLog, AuditPage, AuditRecord } from './audit-log.ts';
export { createAuditLog } from './audit-log.ts';
export type { BootstrapResult } from './bootstrap.ts';
export { API_TOKEN_PREFIX, SESSION_COOKIE } from './credentials.ts';
export type { Identity, IdentityDeps } from './identity.ts';
export { createIdentity } from './identity.ts';
export { identityRoutes } from './identity-routes.ts';
export { identityMigrations } from './migrations.ts';
export type { PasswordParams } from './passwords.ts';
export type { IdentityRouteDeps } from './route-deps.ts';
export type { LoginInput, LoginResult, SessionCheck, Sessions } from './sessions.ts';
export type { UserSummary } from './user-records.ts';
export type { CreateUserInput, UpdateUserInput, Users } from './users.ts';
