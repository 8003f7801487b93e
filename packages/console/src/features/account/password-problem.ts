// Which rule of the password policy a WEAK_PASSWORD answer names (`details.rule`, stable, listed in
// docs/errors.md), in the visitor's language: shown under the password field that broke it.
import { isBerthApiError } from '@berth/sdk/client';
import type { Translate } from '../../i18n/messages.ts';
import type { PasswordMessageKey } from './password-messages.ts';

const RULES: Record<string, PasswordMessageKey> = {
  too_short: 'ruleTooShort',
  too_long: 'ruleTooLong',
  whitespace: 'ruleWhitespace',
  repeated: 'ruleRepeated',
  username: 'ruleUsername',
  common: 'ruleCommon',
  unchanged: 'ruleUnchanged',
};

/** The broken rule's text for a WEAK_PASSWORD error; undefined for any other error. */
export function weakPasswordRule(err: unknown, t: Translate<PasswordMessageKey>): string | undefined {
  if (!isBerthApiError(err, 'WEAK_PASSWORD')) return undefined;
  const details = err.details as { rule?: unknown } | undefined;
  const key = typeof details?.rule === 'string' ? RULES[details.rule] : undefined;
  return key ? t(key) : t('ruleOther');
}
