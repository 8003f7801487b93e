// The apps module: apps, members, the app secret, environments and config vars.

export type { AppService } from './app-service.ts';
export { type AppAccess, type Apps, type AppsDeps, createApps } from './apps.ts';
export type { ConfigService } from './config-service.ts';
export type { AuditEntry, AuditRecorder, LookupUser, UserSummary, UsersByIds } from './deps.ts';
export type { MembersService } from './members-service.ts';
export { appsMigrations } from './migrations.ts';
export type { Authorized, Permissions } from './permissions.ts';
export { appsRoutes } from './routes.ts';
export type { SecretService } from './secret-service.ts';
