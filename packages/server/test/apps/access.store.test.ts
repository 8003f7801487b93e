import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/identity/actor.ts';
import { testDialects } from '../support/databases.ts';
import { type AppsFixture, createAppsFixture, errorCode } from './fixture.ts';

describe.each(testDialects())('app permissions and members on %s', (dialect) => {
  let f: AppsFixture;
  let admin: Actor;
  let operator: Actor;
  let auditor: Actor;
  let owner: Actor;
  let stranger: Actor;
  beforeAll(async () => {
    f = await createAppsFixture(dialect);
    admin = f.user('admin', 'admin');
    operator = f.user('opal', 'operator');
    auditor = f.user('aud', 'auditor');
    owner = f.user('owen', 'developer');
    stranger = f.user('sam', 'developer');
    await f.apps.create(owner, { code: 'owned', name: 'Owned' });
    await f.apps.updateConfig(owner, 'owned', 'prod', {
      set: [
        { name: 'PLAIN', value: 'p' },
        { name: 'TOKEN', value: 't0p', secret: true },
      ],
    });
    await f.apps.create(admin, { code: 'adminapp', name: 'Admin app' });
  });
  afterAll(async () => f?.close());

  it('admins and operators read and change every app', async () => {
    for (const actor of [admin, operator]) {
      expect((await f.apps.get(actor, 'owned')).code).toBe('owned');
      await f.apps.update(actor, 'owned', { description: `touched by ${actor.username}` });
      expect(await f.apps.getSecret(actor, 'owned')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect((await f.apps.getConfigVar(actor, 'owned', 'prod', 'TOKEN', { reveal: true })).value).toBe(
        't0p',
      );
      await f.apps.access.authorize(actor, 'deploy', 'owned', 'stag');
      expect(await f.apps.access.can(actor, 'approve', 'owned', 'prod')).toBe(true);
      expect(await f.apps.access.readableCodes(actor)).toBe('all');
      expect((await f.apps.list(actor)).items.map((a) => a.code)).toEqual(['adminapp', 'owned']);
    }
  });

  it('auditors read everything but no secret values and change nothing', async () => {
    expect((await f.apps.list(auditor)).items.map((a) => a.code)).toEqual(['adminapp', 'owned']);
    expect((await f.apps.get(auditor, 'owned')).members).toEqual(['owen']);
    expect((await f.apps.listMembers(auditor, 'owned')).items).toHaveLength(1);
    expect((await f.apps.listEnvs(auditor, 'owned')).items).toHaveLength(2);
    const vars = (await f.apps.listConfig(auditor, 'owned', 'prod')).items;
    expect(vars.find((v) => v.name === 'TOKEN')?.value).toBe('********');
    expect(await f.apps.access.readableCodes(auditor)).toBe('all');
    await f.apps.access.authorize(auditor, 'app.read', 'owned');

    expect(await errorCode(() => f.apps.getSecret(auditor, 'owned'))).toBe('FORBIDDEN');
    expect(await errorCode(() => f.apps.rotateSecret(auditor, 'owned'))).toBe('FORBIDDEN');
    expect(
      await errorCode(() => f.apps.getConfigVar(auditor, 'owned', 'prod', 'TOKEN', { reveal: true })),
    ).toBe('FORBIDDEN');
    expect(await errorCode(() => f.apps.create(auditor, { code: 'audapp', name: 'A' }))).toBe('FORBIDDEN');
    expect(await errorCode(() => f.apps.update(auditor, 'owned', { name: 'Mine' }))).toBe('FORBIDDEN');
    expect(await errorCode(() => f.apps.remove(auditor, 'owned'))).toBe('FORBIDDEN');
    expect(await errorCode(() => f.apps.addMember(auditor, 'owned', { username: 'aud' }))).toBe('FORBIDDEN');
    expect(await errorCode(() => f.apps.removeMember(auditor, 'owned', 'owen'))).toBe('FORBIDDEN');
    expect(await errorCode(() => f.apps.updateConfig(auditor, 'owned', 'prod', { unset: ['PLAIN'] }))).toBe(
      'FORBIDDEN',
    );
    expect(await errorCode(() => f.apps.access.authorize(auditor, 'operate', 'owned', 'stag'))).toBe(
      'FORBIDDEN',
    );
    expect(await f.apps.access.can(auditor, 'approve', 'owned', 'prod')).toBe(false);
    expect((await f.apps.get(admin, 'owned')).name).toBe('Owned');
  });

  it('developers see only their apps; others look absent (APP_NOT_FOUND) for every operation', async () => {
    expect((await f.apps.list(owner)).items.map((a) => a.code)).toEqual(['owned']);
    expect((await f.apps.list(stranger)).items.map((a) => a.code)).toEqual([]);
    expect(await f.apps.access.readableCodes(owner)).toEqual(['owned']);
    expect(await f.apps.access.readableCodes(stranger)).toEqual([]);
    const attempts: Array<() => Promise<unknown>> = [
      () => f.apps.get(stranger, 'owned'),
      () => f.apps.update(stranger, 'owned', { name: 'Stolen' }),
      () => f.apps.remove(stranger, 'owned'),
      () => f.apps.getSecret(stranger, 'owned'),
      () => f.apps.rotateSecret(stranger, 'owned'),
      () => f.apps.listMembers(stranger, 'owned'),
      () => f.apps.addMember(stranger, 'owned', { username: 'sam' }),
      () => f.apps.removeMember(stranger, 'owned', 'owen'),
      () => f.apps.listEnvs(stranger, 'owned'),
      () => f.apps.listConfig(stranger, 'owned', 'prod'),
      () => f.apps.getConfigVar(stranger, 'owned', 'prod', 'PLAIN'),
      () => f.apps.updateConfig(stranger, 'owned', 'prod', { set: [{ name: 'X', value: '1' }] }),
      () => f.apps.access.authorize(stranger, 'app.read', 'owned'),
      () => f.apps.access.authorize(stranger, 'deploy', 'owned', 'stag'),
    ];
    for (const attempt of attempts) expect(await errorCode(attempt)).toBe('APP_NOT_FOUND');
    // The same answer as for an app that does not exist.
    expect(await errorCode(() => f.apps.get(stranger, 'nosuchapp'))).toBe('APP_NOT_FOUND');
    expect(await errorCode(() => f.apps.get(owner, 'adminapp'))).toBe('APP_NOT_FOUND');
    const app = await f.apps.get(owner, 'owned');
    expect(app.name).toBe('Owned');
    expect(app.members).toEqual(['owen']);
  });

  it('a member developer reads the secret and reveals values', async () => {
    expect(await f.apps.getSecret(owner, 'owned')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await f.apps.getConfigVar(owner, 'owned', 'prod', 'TOKEN', { reveal: true })).value).toBe('t0p');
  });

  it('adds, lists and removes members; a new member gains access and a removed one loses it', async () => {
    // unknown, new and existing members: the same outcome (no user enumeration)
    expect(await f.apps.addMember(owner, 'owned', { username: 'nobody' })).toBeUndefined();
    expect(await f.apps.addMember(owner, 'owned', { username: 'sam' })).toBeUndefined();
    expect(await f.apps.addMember(owner, 'owned', { username: 'sam' })).toBeUndefined();
    expect((await f.apps.listMembers(owner, 'owned')).items.map((m) => m.username)).toEqual(['owen', 'sam']);
    expect((await f.apps.get(stranger, 'owned')).members).toEqual(['owen', 'sam']);
    await f.apps.update(stranger, 'owned', { description: 'sam was here' });

    await f.apps.removeMember(owner, 'owned', 'sam');
    expect(await errorCode(() => f.apps.get(stranger, 'owned'))).toBe('APP_NOT_FOUND');
    expect(await errorCode(() => f.apps.removeMember(owner, 'owned', 'sam'))).toBe('MEMBER_NOT_FOUND');
    expect(await errorCode(() => f.apps.removeMember(owner, 'owned', 'nobody'))).toBe('MEMBER_NOT_FOUND');
    expect(await errorCode(() => f.apps.addMember(owner, 'owned', { username: 'sam', role: 'x' }))).toBe(
      'VALIDATION_FAILED',
    );
    const actions = (await f.auditRows())
      .filter((r) => r.action.startsWith('app.member.'))
      .map((r) => [r.action, JSON.parse(r.detail).username]);
    expect(actions).toEqual([
      ['app.member.add_failed', 'nobody'],
      ['app.member.add', 'sam'],
      ['app.member.remove', 'sam'],
    ]);
  });

  it('deleted users drop out of member lists', async () => {
    const temp = f.user('temp', 'developer');
    await f.apps.addMember(admin, 'adminapp', { username: 'temp' });
    expect((await f.apps.get(admin, 'adminapp')).members).toEqual(['admin', 'temp']);
    f.users.delete(temp.userId);
    expect((await f.apps.get(admin, 'adminapp')).members).toEqual(['admin']);
    expect((await f.apps.listMembers(admin, 'adminapp')).items.map((m) => m.username)).toEqual(['admin']);
    // A new user with the old name is not a member.
    const again = f.user('temp', 'developer');
    expect(await errorCode(() => f.apps.get(again, 'adminapp'))).toBe('APP_NOT_FOUND');
  });

  it('developers may create apps and become their members', async () => {
    const { app } = await f.apps.create(stranger, { code: 'samsapp', name: 'Sam' });
    expect(app.members).toEqual(['sam']);
    expect(await f.apps.access.readableCodes(stranger)).toEqual(['samsapp']);
  });
});
