// An API token's state, from its dates: revoked, expired, or active (until when).
import type { ApiToken } from '@berth/sdk';
import { Tag } from 'antd';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { tokenMessages } from './token-messages.ts';
import { tokenState } from './token-state.ts';

export function TokenStatus({ token }: { token: ApiToken }) {
  const t = useMessages(tokenMessages);
  const state = tokenState(token);
  if (state === 'revoked') return <Tag color="default">{t('stateRevoked')}</Tag>;
  if (state === 'expired') return <Tag color="warning">{t('stateExpired')}</Tag>;
  return <Tag color="success">{t('stateActive')}</Tag>;
}
