// The API gateway (/apigw): tabs for its systems, the grants of calls, call records and (for admins,
// operators and auditors) the trusted apps; the tab is kept in the address (?tab=), with the tab's
// own filters beside it. A tab a role does not have is not offered (apigw-view.ts).
import { Tabs } from 'antd';
import { useSearchParams } from 'react-router';
import { useUser } from '../../app/session.tsx';
import { PageHeader } from '../../components/PageHeader.tsx';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { apigwMessages } from './apigw-messages.ts';
import { type ApigwTab, tabShown, tabsFor } from './apigw-view.ts';
import { GrantsTab } from './GrantsTab.tsx';
import { RecordsTab } from './RecordsTab.tsx';
import { SystemsTab } from './SystemsTab.tsx';
import { TrustedAppsTab } from './TrustedAppsTab.tsx';

const TAB_LABEL = {
  systems: 'tabSystems',
  grants: 'tabGrants',
  records: 'tabRecords',
  trusted: 'tabTrusted',
} as const satisfies Record<ApigwTab, string>;

function TabContent({ tab }: { tab: ApigwTab }) {
  switch (tab) {
    case 'grants':
      return <GrantsTab />;
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
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <Tabs
        activeKey={tab}
        aria-label={t('tabs')}
        onChange={(key) => setParams({ tab: key }, { replace: true })}
        items={tabsFor(user.role).map((name) => ({
          key: name,
          label: <span data-testid={`apigw-tab-${name}`}>{t(TAB_LABEL[name])}</span>,
          children: name === tab ? <TabContent tab={name} /> : null,
        }))}
      />
    </>
  );
}
