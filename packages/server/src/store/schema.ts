// The whole store's table types: each module declares its own tables; this file only joins them.
import type { ApigwRecordsTables } from '../apigw/records-tables.ts';
import type { ApigwRequestTables } from '../apigw/request-tables.ts';
import type { ApigwSecurityTables } from '../apigw/security-tables.ts';
import type { ApigwTables } from '../apigw/tables.ts';
import type { AppsTables } from '../apps/tables.ts';
import type { DomainsTables } from '../domains/tables.ts';
import type { EngineTables } from '../engine/tables.ts';
import type { IdentityTables } from '../identity/tables.ts';
import type { JobsTables } from '../jobs/tables.ts';
import type { NotifyTables } from '../notify/tables.ts';
import type { SourcesTables } from '../sources/settings-tables.ts';
import type { TenantsTables } from '../tenants/tables.ts';
import type { WebhooksTables } from '../webhooks/tables.ts';

export interface Database
  extends IdentityTables,
    AppsTables,
    JobsTables,
    EngineTables,
    TenantsTables,
    NotifyTables,
    WebhooksTables,
    SourcesTables,
    DomainsTables,
    ApigwTables,
    ApigwSecurityTables,
    ApigwRecordsTables,
    ApigwRequestTables {}
