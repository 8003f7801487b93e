// An app's placement through the apps service, on every dialect: stored in normal form, read back by
// the app and by the engine's lookup, cleared with [], audited; admins and operators only; a bad
// constraint is PLACEMENT_INVALID and changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../support/databases.ts';
import { type AppsFixture, createAppsFixture, errorCode } from './fixture.ts';

describe.each(testDialects())('app placement on %s', (dialect) => {
  let f: AppsFixture;
  beforeAll(async () => {
    f = await createAppsFixture(dialect);
  });
  afterAll(async () => f?.close());

  it('starts empty, is set in normal form by an operator, read back, audited and cleared', async () => {
    const dev = f.user('pia', 'developer');
    const op = f.user('pete', 'operator');
    const { app } = await f.apps.create(dev, { code: 'placed', name: 'Placed' });
    expect(app.placement).toEqual([]);
    expect(await f.apps.placement('placed')).toEqual([]);

    const updated = await f.apps.update(op, 'placed', {
      placement: ['node.labels.zone == a', 'node.role!=manager'],
    });
    expect(updated.placement).toEqual(['node.labels.zone==a', 'node.role!=manager']);
    expect((await f.apps.get(dev, 'placed')).placement).toEqual([
      'node.labels.zone==a',
      'node.role!=manager',
    ]);
    expect((await f.apps.list(dev)).items.find((a) => a.code === 'placed')?.placement).toEqual([
      'node.labels.zone==a',
      'node.role!=manager',
    ]);
    expect(await f.apps.placement('placed')).toEqual(['node.labels.zone==a', 'node.role!=manager']);

    // Other fields leave it alone.
    expect((await f.apps.update(op, 'placed', { description: 'x' })).placement).toHaveLength(2);

    const cleared = await f.apps.update(f.user('amy', 'admin'), 'placed', { placement: [] });
    expect(cleared.placement).toEqual([]);
    expect(await f.apps.placement('placed')).toEqual([]);

    const rows = (await f.auditRows()).filter((r) => r.action === 'app.update' && r.target_id === 'placed');
    expect(rows.map((r) => JSON.parse(r.detail))).toEqual([
      { fields: ['placement'], placement: ['node.labels.zone==a', 'node.role!=manager'] },
      { fields: ['description'] },
      { fields: ['placement'], placement: [] },
    ]);
  });

  it('is not a developer member’s to change, with or without other fields; they change nothing', async () => {
    const dev = f.user('dina', 'developer');
    await f.apps.create(dev, { code: 'devplaced', name: 'Before' });
    expect(
      await errorCode(() => f.apps.update(dev, 'devplaced', { placement: ['node.labels.zone==a'] })),
    ).toBe('FORBIDDEN');
    expect(await errorCode(() => f.apps.update(dev, 'devplaced', { name: 'After', placement: [] }))).toBe(
      'FORBIDDEN',
    );
    const app = await f.apps.get(dev, 'devplaced');
    expect(app).toMatchObject({ name: 'Before', placement: [] });
    // An auditor neither, and a developer who is not a member does not see the app.
    expect(
      await errorCode(() => f.apps.update(f.user('aud', 'auditor'), 'devplaced', { placement: [] })),
    ).toBe('FORBIDDEN');
    expect(
      await errorCode(() => f.apps.update(f.user('olaf', 'developer'), 'devplaced', { placement: [] })),
    ).toBe('APP_NOT_FOUND');
  });

  it('refuses a bad constraint with PLACEMENT_INVALID (naming it) and too many with VALIDATION_FAILED', async () => {
    const op = f.user('oona', 'operator');
    await f.apps.create(op, { code: 'badplaced', name: 'Bad' });
    await f.apps.update(op, 'badplaced', { placement: ['node.labels.zone==a'] });
    for (const bad of [
      ['node.labels.zone=a'],
      ['node.labels.zone==a', 'node.labels.zone== a'],
      ['foo==bar'],
    ]) {
      const err = await f.apps.update(op, 'badplaced', { placement: bad, name: 'Changed' }).catch((e) => e);
      expect(err.code, JSON.stringify(bad)).toBe('PLACEMENT_INVALID');
      expect(err.message).toContain('placement constraint');
    }
    const tooMany = Array.from({ length: 11 }, (_, i) => `node.labels.l${i}==x`);
    expect(await errorCode(() => f.apps.update(op, 'badplaced', { placement: tooMany }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(await errorCode(() => f.apps.update(op, 'badplaced', { placement: 'node.role==worker' }))).toBe(
      'VALIDATION_FAILED',
    );
    expect(await f.apps.get(op, 'badplaced')).toMatchObject({
      name: 'Bad',
      placement: ['node.labels.zone==a'],
    });
  });
});
