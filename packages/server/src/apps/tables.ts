// Tables owned by the apps module. Times are epoch milliseconds, booleans 0/1.
import type { Selectable } from 'kysely';

export interface AppsTable {
  id: string;
  /** Unique and immutable. */
  code: string;
  name: string;
  description: string;
  logo_url: string | null;
  /** The app secret, sealed with the context `app-secret:{code}`. */
  secret_sealed: string;
  /** Username of the creator. */
  created_by: string;
  created_at: number;
  updated_at: number;
  /** The instance ceiling an admin set for the app; null: the platform default. */
  max_instances: number | null;
  /** JSON array of the app's placement constraints, in normal form; null: none (any node). */
  placement: string | null;
}

export interface AppMembersTable {
  app_id: string;
  user_id: string;
  added_at: number;
  /** Username of whoever added the member. */
  added_by: string;
}

export interface AppEnvsTable {
  app_id: string;
  /** `stag` or `prod`. */
  name: string;
  created_at: number;
  /** Raised by every config change; the row is also the lock that serialises config changes. */
  config_version: number;
  config_updated_at: number | null;
  /** JSON of the environment's policy (apps/permissions.ts); null until someone set one. */
  policy: string | null;
}

export interface AppConfigVarsTable {
  app_id: string;
  env: string;
  name: string;
  /** Plain text, or sealed with the context `config:{code}:{env}:{name}` when `secret` is 1. */
  value: string;
  secret: number;
  updated_at: number;
  /** Username of whoever set it last. */
  updated_by: string;
}

export interface AppsTables {
  apps: AppsTable;
  app_members: AppMembersTable;
  app_envs: AppEnvsTable;
  app_config_vars: AppConfigVarsTable;
}

export type AppRow = Selectable<AppsTable>;
