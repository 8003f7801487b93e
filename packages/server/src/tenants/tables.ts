// Tables owned by the tenants module: this installation's identity, and every host identity (Unix
// user and group, or container uid) an app environment has ever run or built as. Rows are never
// deleted: a retired identity keeps its uid and name, so neither is ever handed out again.
import type { Selectable } from 'kysely';

export interface InstallationTable {
  /** Always `self`: the table holds one row. */
  id: string;
  /** Short random name of this installation, part of every host-level name it creates. */
  code: string;
  created_at: number;
}

export interface HostIdentitiesTable {
  id: string;
  /** `run` (an environment's instances and release commands), `build` (its builds), `gateway`. */
  kind: string;
  /** The app (run, build); null for the gateway. */
  app_code: string | null;
  env: string | null;
  /** Unique for the platform's life. */
  uid: number;
  /** The Unix user and group name; unique for the platform's life. */
  name: string;
  /** `kind:app:env` while the identity is in use, null once retired (several nulls may exist). */
  active_slot: string | null;
  /** `active`, `retiring` (its app was deleted; processes, home and user still to remove), `retired`. */
  status: string;
  created_at: number;
  retired_at: number | null;
}

export interface TenantsTables {
  installation: InstallationTable;
  host_identities: HostIdentitiesTable;
}

export type HostIdentityRow = Selectable<HostIdentitiesTable>;
