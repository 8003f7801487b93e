// Hides a page from roles the API would refuse anyway, with a page that says so.
import { Result } from 'antd';
import type { ReactNode } from 'react';
import { common } from '../components/messages.ts';
import { useMessages } from '../i18n/I18nProvider.tsx';
import type { Role } from './feature.ts';
import { useUser } from './session.tsx';

export function RequireRole({ roles, children }: { roles: readonly Role[]; children: ReactNode }) {
  const user = useUser();
  const t = useMessages(common);
  if (!roles.includes(user.role)) {
    return <Result status="403" title={t('forbiddenTitle')} subTitle={t('forbiddenText')} />;
  }
  return children;
}
