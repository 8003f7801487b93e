// A deploy request in words: what it deploys ("Promote v3", "Roll back to v2", "Package") and its
// window, in the visitor's language and date format.
import type { Deploy } from '@berth/sdk';
import { useCallback } from 'react';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { requestsMessages } from './messages.ts';

export function useRequestKind(): (request: Pick<Deploy, 'kind' | 'request'>) => string {
  const t = useMessages(requestsMessages);
  return useCallback(
    (d) => {
      const version = d.request?.fromVersion;
      if (d.kind === 'promote') return version ? t('kindPromote', { version }) : t('kindPromoteAny');
      if (d.kind === 'rollback') return version ? t('kindRollback', { version }) : t('kindRollbackAny');
      return t('kindPackage');
    },
    [t],
  );
}

export function useRequestWindow(): (request: Pick<Deploy, 'request'>) => string {
  const t = useMessages(requestsMessages);
  const format = useFormat();
  return useCallback(
    (d) => {
      const from = d.request?.notBefore;
      const until = d.request?.notAfter;
      if (from !== undefined && until !== undefined)
        return t('windowBetween', { start: format.dateTime(from), end: format.dateTime(until) });
      if (from !== undefined) return t('windowFrom', { start: format.dateTime(from) });
      if (until !== undefined) return t('windowUntil', { end: format.dateTime(until) });
      return t('windowAny');
    },
    [t, format],
  );
}
