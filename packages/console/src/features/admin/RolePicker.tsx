// Choosing a role, with what each allows beside its name.
import { Flex, Radio, Typography } from 'antd';
import type { Role } from '../../app/feature.ts';
import { ROLES, useRoleLabel } from '../../components/roles.ts';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { usersMessages } from './users-messages.ts';

const HELP = {
  admin: 'roleAdminHelp',
  operator: 'roleOperatorHelp',
  developer: 'roleDeveloperHelp',
  auditor: 'roleAuditorHelp',
} as const;

/** A form control: `value`/`onChange` come from Form.Item. */
export function RolePicker({
  value,
  onChange,
  id,
}: {
  value?: Role;
  onChange?: (role: Role) => void;
  id?: string;
}) {
  const t = useMessages(usersMessages);
  const roleLabel = useRoleLabel();
  return (
    <Radio.Group
      id={id}
      value={value}
      onChange={(e) => onChange?.(e.target.value as Role)}
      data-testid="user-role"
    >
      <Flex vertical gap={6}>
        {ROLES.map((role) => (
          <Radio key={role} value={role} data-testid={`user-role-${role}`}>
            <strong>{roleLabel(role)}</strong>{' '}
            <Typography.Text type="secondary">— {t(HELP[role])}</Typography.Text>
          </Radio>
        ))}
      </Flex>
    </Radio.Group>
  );
}
