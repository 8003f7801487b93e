// Every module's migrations, in the order berthd applies them (names sort globally by their stamp).

import { apigwRecordsMigrations } from './apigw/records-tables.ts';
import { apigwRequestMigrations } from './apigw/request-tables.ts';
import { apigwSecurityMigrations } from './apigw/security-tables.ts';
import { apigwMigrations } from './apigw/tables.ts';
import { appsMigrations } from './apps/migrations.ts';
import { domainsMigrations } from './domains/tables.ts';
import { engineMigrations } from './engine/migrations.ts';
import { identityMigrations } from './identity/migrations.ts';
import { jobsMigrations } from './jobs/migrations.ts';
import { notifyMigrations } from './notify/migrations.ts';
import { sourcesMigrations } from './sources/settings-tables.ts';
import type { MigrationSet } from './store/migrate.ts';
import { tenantsMigrations } from './tenants/migrations.ts';
import { webhooksMigrations } from './webhooks/migrations.ts';

export const ALL_MIGRATIONS: readonly MigrationSet[] = [
  identityMigrations,
  appsMigrations,
  jobsMigrations,
  engineMigrations,
  tenantsMigrations,
  notifyMigrations,
  webhooksMigrations,
  sourcesMigrations,
  domainsMigrations,
  apigwMigrations,
  apigwSecurityMigrations,
  apigwRecordsMigrations,
  apigwRequestMigrations,
];
