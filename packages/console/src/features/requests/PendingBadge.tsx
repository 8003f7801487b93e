// The menu's count of requests waiting for the user's decision (the inbox's "To approve"), read
// again on every page change so it follows approvals made here; nothing shows at zero or on failure
// (a badge is a hint: the inbox shows a failure itself).
import { Badge } from 'antd';
import { useLocation } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { useAsync } from '../../components/use-async.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { requestsMessages } from './messages.ts';

/** More than one page shows as "50+". */
const COUNTED = 50;

export function PendingBadge() {
  const api = useApi();
  const t = useMessages(requestsMessages);
  const format = useFormat();
  const { pathname } = useLocation();
  // Read again on every page change: the count follows the decisions made in the console.
  const page = useAsync(() => api.listRequests({ filter: 'to-approve', limit: COUNTED }), [api, pathname]);
  const count = page.data && { n: page.data.deploys.length, more: page.data.nextCursor !== undefined };

  if (!count || count.n === 0) return null;
  const shown = `${format.number(count.n)}${count.more ? '+' : ''}`;
  return (
    <Badge
      count={shown}
      size="small"
      color="#ad4e00"
      title={t('pendingCount', { count: shown })}
      data-testid="requests-badge"
    />
  );
}
