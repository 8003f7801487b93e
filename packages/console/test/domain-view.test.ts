// The domains page's rules: how a certificate's expiry is shown, who sees which parts, the HSTS field.
import { describe, expect, it } from 'vitest';
import {
  CERT_READERS,
  CERT_WRITERS,
  DOMAIN_WRITERS,
  expiryShown,
  hstsValue,
} from '../src/features/domains/domain-view.ts';
import { domainsMessages } from '../src/features/domains/domains-messages.ts';
import { translator } from '../src/i18n/messages.ts';

describe('certificate expiry on the domains page', () => {
  it('is green, amber within the warning window, red once expired', () => {
    expect(expiryShown({ expiresInDays: 80 })).toEqual({ tone: 'green', key: 'expiresIn', days: 80 });
    expect(expiryShown({ expiresInDays: 9, warning: 'expiring' })).toEqual({
      tone: 'amber',
      key: 'expiringSoon',
      days: 9,
    });
    expect(expiryShown({ expiresInDays: -2, warning: 'expired' })).toMatchObject({
      tone: 'red',
      key: 'expired',
    });
  });

  it('reads in both languages', () => {
    const shown = expiryShown({ expiresInDays: 9, warning: 'expiring' });
    expect(translator(domainsMessages, 'en')(shown.key, { days: '9' })).toBe('Expires in 9 days (soon)');
    expect(translator(domainsMessages, 'zh-CN')(shown.key, { days: '9' })).toBe('9 天后到期（即将到期）');
  });
});

describe('the domains page', () => {
  it('shows certificates to staff and auditors, uploads and bindings to staff', () => {
    expect(CERT_READERS).toEqual(['admin', 'operator', 'auditor']);
    expect(CERT_WRITERS).toEqual(['admin', 'operator']);
    expect(DOMAIN_WRITERS).toEqual(['admin', 'operator']);
  });

  it('takes HSTS as whole seconds, empty for none', () => {
    expect(hstsValue('')).toBe(0);
    expect(hstsValue(' 31536000 ')).toBe(31536000);
    expect(hstsValue('1.5')).toBeNaN();
    expect(hstsValue('-1')).toBeNaN();
  });
});
