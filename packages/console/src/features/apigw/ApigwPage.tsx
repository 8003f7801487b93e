// The API gateway (/apigw): tabs for its systems, the grants of calls, permission requests (with the
// count of open ones the user sees beside the label), call records and (for admins, operators and
// auditors) the trusted apps; the tab is kept in the address (?tab=), with the tab's own filters
// beside it. A tab a role does not have is not offered (apigw-view.ts).
import { Tabs } from 'antd';
import { useSearchParams } from 'react-router';
import { useApi } from '../../api/ApiProvider.tsx';
import { useUser } from '../../app/session.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useAsync } from '../../components/use-async.ts';
import { useFormat } from '../../i18n/format-hooks.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { apigwMessages } from './apigw-messages.ts';
import { type ApigwTab, tabShown, tabsFor } from './apigw-view.ts';
import { GrantsTab } from './GrantsTab.tsx';
import { RecordsTab } from './RecordsTab.tsx';
import { RequestsTab } from './RequestsTab.tsx';
import { SystemsTab } from './SystemsTab.tsx';
import { TrustedAppsTab } from './TrustedAppsTab.tsx';

const TAB_LABEL = {
  systems: 'tabSystems',
  grants: 'tabGrants',
  requests: 'tabRequests',
  records: 'tabRecords',
  trusted: 'tabTrusted',
} as const satisfies Record<ApigwTab, string>;

/** The most requests one list answers: a count that reaches it is shown as "500+". */
const LISTED = 500;

function TabContent({ tab, onRequestsChanged }: { tab: ApigwTab; onRequestsChanged(): void }) {
  switch (tab) {
    case 'grants':
      return <GrantsTab />;
    case 'requests':
      return <RequestsTab onChanged={onRequestsChanged} />;
    case 'records':
      return <RecordsTab />;
    case 'trusted':
      return <TrustedAppsTab />;
    default:
      return <SystemsTab />;
  }
}

export default function ApigwPage() {
  const t = useMessages(apigwMessages);
  const user = useUser();
  const [params, setParams] = useSearchParams();
  const tab = tabShown(params.get('tab'), user.role);
  const api = useApi();
  const format = useFormat();
  // The open requests the user sees (one list call); a failure only leaves the count out.
  const open = useAsync(
    async () => (await api.listApigwPermissionRequests({ status: 'requested' })).items.length,
    [api],
  );
  const label = (name: ApigwTab) =>
    name === 'requests' && open.data
      ? t('tabRequestsCount', { count: `${format.number(open.data)}${open.data >= LISTED ? '+' : ''}` })
      : t(TAB_LABEL[name]);
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <Tabs
        activeKey={tab}
        aria-label={t('tabs')}
        onChange={(key) => setParams({ tab: key }, { replace: true })}
        items={tabsFor(user.role).map((name) => ({
          key: name,
          label: <span data-testid={`apigw-tab-${name}`}>{label(name)}</span>,
          children: name === tab ? <TabContent tab={name} onRequestsChanged={open.reload} /> : null,
        }))}
      />
    </>
  );
}
