// `berth domains` and `berth certs` (in-process) against a real berthd: an operator binds domains
// and uploads certificates made by the test; the tables show the certificate each domain is served
// with and warn about expiry; refusals (an expired or mismatched certificate, a developer binding a
// domain, a host the platform serves) end with the server's code and store nothing; deleting the
// app removes its domains. The gateway extras the module computes are checked exactly.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { days, makeCert, makeChain } from '../../server/test/domains/make-certs.ts';
import { systemDialects } from '../../server/test/support/databases.ts';
import { ADMIN_PASSWORD, startTestBerthd, type TestBerthd } from '../../server/test/support/harness.ts';
import { type CliHome, expectFailure, expectOk } from './support/cli.ts';
import { loginCliUsers } from './support/cli-users.ts';

const PASSWORD = 'domains-password-1';

describe.each(systemDialects())('berth domains and certs against berthd on %s', (dialect) => {
  let t: TestBerthd;
  let admin: CliHome;
  let ops: CliHome;
  let dev: CliHome;
  let aud: CliHome;
  let dir: string;

  function write(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-domains-'));
    t = await startTestBerthd({ dialect, env: { BERTH_APPS_DOMAIN: 'apps.example.test' } });
    const logged = await loginCliUsers(
      t.url,
      [
        ['ops1', 'operator'],
        ['dev1', 'developer'],
        ['aud1', 'auditor'],
      ],
      PASSWORD,
    );
    admin = logged.admin;
    ops = logged.homes['ops1']!;
    dev = logged.homes['dev1']!;
    aud = logged.homes['aud1']!;
    expect((await dev.run(['apps', 'create', 'shop', '--name', 'Shop'])).code).toBe(0);
    expect((await dev.run(['apps', 'create', 'blog', '--name', 'Blog'])).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    for (const home of [admin, ops, dev, aud]) home?.remove();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('binds a domain (operators), and a developer member may not', async () => {
    expectFailure(
      await dev.run(['domains', 'add', 'shop.example.com', '--app', 'shop', '--env', 'prod']),
      1,
      'FORBIDDEN',
    );
    const added = expectOk(
      await ops.run([
        'domains',
        'add',
        'shop.example.com',
        '--app',
        'shop',
        '--env',
        'prod',
        '--https-redirect',
        '--hsts',
        '31536000',
      ]),
    );
    expect(added.stdout).toMatch(/Host:\s+shop\.example\.com/);
    expect(added.stdout).toMatch(/Certificate:\s+none \(HTTP only\)/);
    expectFailure(
      await ops.run(['domains', 'add', 'shop.example.com', '--app', 'blog', '--env', 'stag']),
      1,
      'DOMAIN_TAKEN',
    );
    expectFailure(
      await ops.run(['domains', 'add', 'blog.apps.example.test', '--app', 'shop', '--env', 'stag']),
      1,
      'DOMAIN_RESERVED',
    );
    expectFailure(
      await ops.run(['domains', 'add', 'Shop.Example.com:8080', '--app', 'shop', '--env', 'stag']),
      1,
      'DOMAIN_INVALID',
    );
    // The member sees the domain of their app.
    expect(expectOk(await dev.run(['domains'])).stdout).toMatch(
      /shop\.example\.com\s+shop\s+prod\s+no\s+31536000/,
    );
  });

  it('uploads a certificate chain, never shows the key, and serves the domain with it', async () => {
    const { leaf, intermediate } = await makeChain(['shop.example.com', 'www.shop.example.com']);
    const cert = write('shop.pem', leaf.pem + intermediate.pem);
    const key = write('shop.key', leaf.keyPem);
    expectFailure(await dev.run(['certs', 'add', '--cert', cert, '--key', key]), 1, 'FORBIDDEN');
    const out = expectOk(await ops.run(['certs', 'add', '--cert', cert, '--key', key, '--json'])).stdout;
    expect(out).not.toContain('PRIVATE KEY');
    const { certificate } = JSON.parse(out);
    expect(certificate).toMatchObject({
      names: ['shop.example.com', 'www.shop.example.com'],
      source: 'upload',
      domains: ['shop.example.com'],
      expiresInDays: 89,
    });
    expect(certificate.warning).toBeUndefined();
    const listed = expectOk(await aud.run(['certs'])).stdout;
    expect(listed).toContain(certificate.id);
    expect(listed).toMatch(/89d/);
    expect(expectOk(await dev.run(['domains'])).stdout).toMatch(
      new RegExp(`shop\\.example\\.com\\s+shop\\s+prod\\s+redirect\\s+31536000\\s+${certificate.id}\\s+89d`),
    );

    // The module's part of the gateway table, exactly.
    const extras = await t.berthd.domains.extras();
    expect(extras.bindings).toEqual([{ host: 'shop.example.com', app: 'shop', env: 'prod' }]);
    expect(extras.hosts).toEqual([
      { host: 'shop.example.com', certificate: certificate.id, httpsRedirect: true, hstsMaxAge: 31536000 },
    ]);
    expect(extras.certificates).toEqual([
      {
        id: certificate.id,
        certPem: `${leaf.pem}\n${intermediate.pem}\n`,
        keyPem: expect.stringContaining('BEGIN PRIVATE KEY'),
        names: ['shop.example.com', 'www.shop.example.com'],
        notAfter: new Date(certificate.notAfter).toISOString(),
      },
    ]);
    expect(extras.routes).toEqual([]);
  });

  it('refuses an expired or mismatched certificate with a clear code and stores nothing', async () => {
    const before = (await t.berthd.domains.certificates.all()).length;
    const expired = await makeCert({
      names: ['old.example.com'],
      notBefore: new Date(Date.now() - days(100)),
      notAfter: new Date(Date.now() - days(2)),
    });
    const e = await ops.run([
      'certs',
      'add',
      '--cert',
      write('old.pem', expired.pem),
      '--key',
      write('old.key', expired.keyPem),
    ]);
    expectFailure(e, 1, 'CERT_EXPIRED');
    expect(e.stderr).toMatch(/expired on/);
    const other = await makeCert({ names: ['x.example.com'] });
    expectFailure(
      await ops.run([
        'certs',
        'add',
        '--cert',
        write('x.pem', other.pem),
        '--key',
        write('y.key', expired.keyPem),
      ]),
      1,
      'CERT_KEY_MISMATCH',
    );
    expect((await t.berthd.domains.certificates.all()).length).toBe(before);
  });

  it('warns about a certificate that expires soon, in the list and on the status page', async () => {
    const soon = await makeCert({ names: ['*.example.org'], notAfter: new Date(Date.now() + days(10)) });
    expectOk(await ops.run(['domains', 'add', 'blog.example.org', '--app', 'blog', '--env', 'stag']));
    const added = await ops.run([
      'certs',
      'add',
      '--cert',
      write('soon.pem', soon.pem),
      '--key',
      write('soon.key', soon.keyPem),
    ]);
    expect([added.code, added.stderr]).toEqual([
      0,
      'warning: the certificate of *.example.org expires in 9 days\n',
    ]);
    const listed = await dev.run(['domains']);
    expect(listed.code).toBe(0);
    expect(listed.stderr).toBe('warning: the certificate of blog.example.org expires in 9 days\n');
    expect(listed.stdout).toMatch(
      /blog\.example\.org\s+blog\s+stag\s+yes\s+\S*\s*crt_\w+\s+9d \(expiring soon\)/,
    );
    const json = JSON.parse(expectOk(await dev.run(['domains', '--json'])).stdout);
    const blog = json.items.find((d: { host: string }) => d.host === 'blog.example.org');
    expect(blog.certificate).toMatchObject({ expiresInDays: 9, warning: 'expiring' });
    const status = await t.api('GET', '/api/v1/platform/status', {
      cookie: await t.login('admin', ADMIN_PASSWORD),
    });
    expect(status.body.certificates).toMatchObject({ warnDays: 21, expiringSoon: 1, expired: 0 });
  });

  it('changes and removes a domain; ACME is refused while it is not configured', async () => {
    const changed = expectOk(
      await ops.run(['domains', 'update', 'shop.example.com', '--no-https-redirect', '--hsts', '0']),
    );
    expect(changed.stdout).toMatch(/HTTPS redirect:\s+no/);
    expectFailure(await ops.run(['domains', 'acme', 'shop.example.com']), 1, 'ACME_DISABLED');
    expectFailure(await dev.run(['domains', 'remove', 'shop.example.com', '--yes']), 1, 'FORBIDDEN');
    const removed = await ops.run(['domains', 'remove', 'shop.example.com', '--yes']);
    expect([removed.code, removed.stderr]).toEqual([0, 'Removed shop.example.com.\n']);
    expectFailure(await ops.run(['domains', 'remove', 'shop.example.com', '--yes']), 1, 'DOMAIN_NOT_FOUND');
  });

  it("removes the app's domains with the app", async () => {
    expect((await t.berthd.domains.extras()).bindings.map((b) => b.host)).toEqual(['blog.example.org']);
    expectOk(await dev.run(['apps', 'delete', 'blog', '--yes']));
    expect((await t.berthd.domains.extras()).bindings).toEqual([]);
    const none = await ops.run(['domains']);
    expect(none.code).toBe(0);
    expect(none.stdout + none.stderr).toContain('No custom domains yet.');
  });
});
