// Roles in the visitor's language (the shell's names, so the header and the pages agree).

import { useCallback } from 'react';
import type { Role } from '../app/feature.ts';
import { shell } from '../app/messages.ts';
import { useMessages } from '../i18n/I18nProvider.tsx';

export const ROLES: readonly Role[] = ['admin', 'operator', 'developer', 'auditor'];

export function useRoleLabel(): (role: Role) => string {
  const t = useMessages(shell);
  return useCallback(
    (role) =>
      ({
        admin: t('roleAdmin'),
        operator: t('roleOperator'),
        developer: t('roleDeveloper'),
        auditor: t('roleAuditor'),
      })[role] ?? role,
    [t],
  );
}
