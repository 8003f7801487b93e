// The filters the grants and permission requests tabs share: the calling app (searched on Enter) and
// the system (picked from the declared ones). The tab keeps both in the address.
import type { ApigwSystemSummary } from '@berth/sdk';
import { Input, Select } from 'antd';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { apigwMessages } from './apigw-messages.ts';

export function AppSystemFilters(props: {
  /** `apigw-grants`, `apigw-requests`: the test ids are `{prefix}-app` and `{prefix}-system`. */
  testIdPrefix: string;
  appText: string;
  setAppText: (text: string) => void;
  system: string;
  onFilter: (key: 'app' | 'system', value: string) => void;
  systems: { loading: boolean; data?: ApigwSystemSummary[] | undefined };
}) {
  const t = useMessages(apigwMessages);
  return (
    <>
      <Input.Search
        value={props.appText}
        onChange={(ev) => props.setAppText(ev.target.value)}
        onSearch={(value) => props.onFilter('app', value.trim())}
        allowClear
        maxLength={30}
        placeholder={t('filterApp')}
        aria-label={t('filterApp')}
        data-testid={`${props.testIdPrefix}-app`}
        style={{ maxWidth: 260 }}
      />
      <Select
        allowClear
        showSearch
        value={props.system || undefined}
        onChange={(value: string | undefined) => props.onFilter('system', value ?? '')}
        placeholder={t('filterSystem')}
        aria-label={t('filterSystem')}
        data-testid={`${props.testIdPrefix}-system`}
        loading={props.systems.loading}
        style={{ minWidth: 220 }}
        options={(props.systems.data ?? []).map((s) => ({ value: s.name, label: s.name }))}
      />
    </>
  );
}
