export { DataDirClosedError, secureDataDir } from './data-dir.ts';
export { ensureHome, homeOf, homesDir, removeHome, withDirectory } from './homes.ts';
export { createHostUser, deleteHostUser, lookupHostUser } from './host-users.ts';
export { tenantsMigrations } from './migrations.ts';
export type { TenantsTables } from './tables.ts';
export {
  createTenants,
  type HostIdentity,
  type IdentityKind,
  installationCode,
  type Tenants,
  type TenantsOptions,
} from './tenants.ts';
export { killUidProcesses, processesOfUid } from './uid-processes.ts';
