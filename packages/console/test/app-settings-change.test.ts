// The settings tab's details form sends only what changed; who may change what on an app.
import { describe, expect, it } from 'vitest';
import { appInfoChange } from '../src/features/apps/tabs-b/app-info-change.ts';
import { canRevealSecrets, canSetLimits, canWriteApp } from '../src/features/apps/tabs-b/can-write.ts';

const app = { name: 'Shop', description: 'The shop', logoUrl: 'https://x.test/logo.png' };

describe('app details change', () => {
  it('sends nothing when nothing changed (whitespace around the name ignored)', () => {
    expect(
      appInfoChange(app, { name: ' Shop ', description: 'The shop', logoUrl: 'https://x.test/logo.png' }),
    ).toBeUndefined();
    expect(
      appInfoChange({ name: 'a', description: '' }, { name: 'a', description: '', logoUrl: '' }),
    ).toBeUndefined();
  });

  it('sends only the changed fields, the name trimmed', () => {
    expect(
      appInfoChange(app, { name: ' Shop 2 ', description: 'The shop', logoUrl: 'https://x.test/logo.png' }),
    ).toEqual({ name: 'Shop 2' });
    expect(appInfoChange(app, { name: 'Shop', description: '', logoUrl: 'https://x.test/logo.png' })).toEqual(
      {
        description: '',
      },
    );
  });

  it('removes the logo with null when its address is emptied, and sets a new one', () => {
    expect(appInfoChange(app, { name: 'Shop', description: 'The shop', logoUrl: '  ' })).toEqual({
      logoUrl: null,
    });
    expect(
      appInfoChange(
        { name: 'Shop', description: '' },
        { name: 'Shop', description: '', logoUrl: 'http://l.test/a' },
      ),
    ).toEqual({ logoUrl: 'http://l.test/a' });
  });
});

describe('app permissions in the console', () => {
  it('lets auditors read only, and only admins set limits', () => {
    expect(canWriteApp({ role: 'auditor' })).toBe(false);
    expect(canRevealSecrets({ role: 'auditor' })).toBe(false);
    for (const role of ['admin', 'operator', 'developer'] as const) {
      expect(canWriteApp({ role })).toBe(true);
      expect(canRevealSecrets({ role })).toBe(true);
    }
    expect(canSetLimits({ role: 'admin' })).toBe(true);
    expect(canSetLimits({ role: 'operator' })).toBe(false);
  });
});
