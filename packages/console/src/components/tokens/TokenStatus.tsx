// An API token's state, from its dates: revoked, expired, or active (until when).
import type { ApiToken } from '@berth/sdk';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { ToneTag } from '../ToneTag.tsx';
import { tokenMessages } from './token-messages.ts';
import { tokenState } from './token-state.ts';

export function TokenStatus({ token }: { token: ApiToken }) {
  const t = useMessages(tokenMessages);
  const state = tokenState(token);
  if (state === 'revoked') return <ToneTag tone="gray">{t('stateRevoked')}</ToneTag>;
  if (state === 'expired') return <ToneTag tone="amber">{t('stateExpired')}</ToneTag>;
  return <ToneTag tone="green">{t('stateActive')}</ToneTag>;
}
