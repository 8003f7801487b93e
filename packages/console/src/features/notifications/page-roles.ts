// Who may open the channels page: the side menu shows the entry to these roles and the page turns
// others away (RequireRole). Only admins read channels' settings and change them.
import type { Role } from '../../app/feature.ts';

export const CHANNELS_PAGE_ROLES: readonly Role[] = ['admin'];
