// Who may open each admin page: the side menu shows the entry to these roles and the page itself
// turns others away (RequireRole), from this one list. The API decides what they may do.
import type { Role } from '../../app/feature.ts';

export const ADMIN_PAGE_ROLES = {
  users: ['admin', 'operator', 'auditor'],
  tokens: ['admin'],
  audit: ['admin', 'auditor'],
  status: ['admin', 'operator', 'auditor'],
} as const satisfies Record<string, readonly Role[]>;
