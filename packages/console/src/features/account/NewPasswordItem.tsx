// The new-password field of the password page and of the admin's create-user and reset-password
// forms: required, the policy under it, and a WEAK_PASSWORD answer shown on it (which rule broke).
import { Form, type FormInstance, Input } from 'antd';
import { useCallback } from 'react';
import { useMessages } from '../../i18n/I18nProvider.tsx';
import { passwordMessages } from './password-messages.ts';
import { weakPasswordRule } from './password-problem.ts';

/** The API's longest password (PASSWORD_MAX_LENGTH of the server's password policy). */
const PASSWORD_MAX = 256;

export function NewPasswordItem({
  name,
  label,
  requiredMessage,
  help,
  testId,
}: {
  name: string;
  label: string;
  requiredMessage: string;
  /** Said before the policy. */
  help?: string;
  testId: string;
}) {
  const p = useMessages(passwordMessages);
  return (
    <Form.Item
      label={label}
      name={name}
      extra={help ? `${help} ${p('policy')}` : p('policy')}
      rules={[{ required: true, message: requiredMessage }]}
    >
      <Input.Password autoComplete="new-password" maxLength={PASSWORD_MAX} data-testid={testId} />
    </Form.Item>
  );
}

/**
 * Marks the field `name` with the broken rule when `err` is WEAK_PASSWORD (the form's alert still
 * shows the error with its code); returns the function a form's onError takes.
 */
export function useWeakPasswordMark(form: FormInstance, name: string): (err: unknown) => undefined {
  const p = useMessages(passwordMessages);
  return useCallback(
    (err) => {
      const rule = weakPasswordRule(err, p);
      if (rule) form.setFields([{ name, errors: [rule] }]);
      return undefined;
    },
    [form, name, p],
  );
}
