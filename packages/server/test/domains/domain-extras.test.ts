// What the domains module adds to the gateway table, exactly: bindings, host settings with the
// newest covering certificate, the certificates offered, and ACME challenges as respond routes.
import { describe, expect, it } from 'vitest';
import { buildExtras, type ExtrasCertificate, type ExtrasDomain } from '../../src/domains/domain-extras.ts';
import { nextCertificateChange } from '../../src/domains/domains-module.ts';
import { checkGatewayTable, GATEWAY_TABLE_FORMAT } from '../../src/gateway/route-model.ts';

const NOW = Date.parse('2026-12-05T10:00:00Z');
const DAY = 86_400_000;

function cert(id: string, names: string[], o: Partial<ExtrasCertificate> = {}): ExtrasCertificate {
  return {
    id,
    names,
    certPem: `-----BEGIN CERTIFICATE-----\n${id}\n-----END CERTIFICATE-----\n`,
    keyPem: `-----BEGIN PRIVATE KEY-----\n${id}\n-----END PRIVATE KEY-----\n`,
    notBefore: NOW - 10 * DAY,
    notAfter: NOW + 80 * DAY,
    createdAt: NOW - 10 * DAY,
    ...o,
  };
}

function domain(host: string, o: Partial<ExtrasDomain> = {}): ExtrasDomain {
  return { host, app: 'shop', env: 'prod', httpsRedirect: false, hstsMaxAge: 0, certSource: 'auto', ...o };
}

describe('buildExtras', () => {
  it('binds each domain and serves the newest valid certificate covering it', () => {
    const extras = buildExtras(
      [
        domain('shop.example.com', { httpsRedirect: true, hstsMaxAge: 31536000 }),
        domain('api.example.com', { app: 'api', env: 'stag' }),
        domain('plain.example.com', { certSource: 'none', httpsRedirect: true }),
        domain('bare.example.org', { httpsRedirect: true }),
      ],
      [
        cert('old', ['shop.example.com'], { notBefore: NOW - 60 * DAY, createdAt: NOW - 60 * DAY }),
        cert('new', ['shop.example.com'], { notBefore: NOW - 1 * DAY, createdAt: NOW - 1 * DAY }),
        cert('wild', ['*.example.com']),
        cert('expired', ['api.example.com'], { notBefore: NOW - 100 * DAY, notAfter: NOW - DAY }),
      ],
      [],
      NOW,
    );
    expect(extras.bindings).toEqual([
      { host: 'api.example.com', app: 'api', env: 'stag' },
      { host: 'bare.example.org', app: 'shop', env: 'prod' },
      { host: 'plain.example.com', app: 'shop', env: 'prod' },
      { host: 'shop.example.com', app: 'shop', env: 'prod' },
    ]);
    // No certificate: no redirect (the table refuses one); `none` serves plain HTTP.
    expect(extras.hosts).toEqual([
      { host: 'api.example.com', certificate: 'wild' },
      { host: 'shop.example.com', certificate: 'new', httpsRedirect: true, hstsMaxAge: 31536000 },
    ]);
    // `old` is wholly replaced by `new`; the expired one is never offered.
    expect(extras.certificates.map((c) => c.id)).toEqual(['new', 'wild']);
    expect(extras.certificates[0]).toEqual({
      id: 'new',
      certPem: cert('new', []).certPem,
      keyPem: cert('new', []).keyPem,
      names: ['shop.example.com'],
      notAfter: new Date(NOW + 80 * DAY).toISOString(),
    });
    expect(extras.routes).toEqual([]);
  });

  it('serves a wildcard certificate with no domain of its own (the apps domain by SNI)', () => {
    const extras = buildExtras([], [cert('apps', ['*.apps.example.com'])], [], NOW);
    expect(extras.certificates.map((c) => c.id)).toEqual(['apps']);
    expect(extras.hosts).toEqual([]);
  });

  it('answers pending ACME challenges on their host with a respond route', () => {
    const extras = buildExtras(
      [domain('shop.example.com', { certSource: 'acme' })],
      [],
      [{ token: 'tok-1_A', host: 'shop.example.com', keyAuthorization: 'tok-1_A.thumb' }],
      NOW,
    );
    expect(extras.routes).toEqual([
      {
        id: 'acme/shop.example.com/tok-1_A',
        match: { host: 'shop.example.com', path: '/.well-known/acme-challenge/tok-1_A' },
        target: { kind: 'respond', status: 200, contentType: 'text/plain', body: 'tok-1_A.thumb' },
      },
    ]);
  });

  it('makes a table the route model accepts', () => {
    const extras = buildExtras(
      [domain('shop.example.com', { httpsRedirect: true, hstsMaxAge: 60 }), domain('*.example.org')],
      [cert('a', ['shop.example.com']), cert('b', ['*.example.org'], { notBefore: NOW - 2 * DAY })],
      [{ token: 't', host: 'shop.example.com', keyAuthorization: 't.k' }],
      NOW,
    );
    // Certificates with placeholder PEM text still pass the table's shape check.
    expect(() =>
      checkGatewayTable({
        format: GATEWAY_TABLE_FORMAT,
        routes: extras.routes,
        hosts: extras.hosts,
        certificates: extras.certificates,
      }),
    ).not.toThrow();
    expect(extras.hosts.map((h) => [h.host, h.certificate])).toEqual([
      ['*.example.org', 'b'],
      ['shop.example.com', 'a'],
    ]);
  });
});

describe('nextCertificateChange (when the table is computed again)', () => {
  it('is the first expiry or start of validity after now', () => {
    const certs = [
      cert('a', ['a.example.com'], { notAfter: NOW + 5 * DAY }),
      cert('b', ['b.example.com'], { notBefore: NOW + 2 * DAY, notAfter: NOW + 90 * DAY }),
      cert('old', ['c.example.com'], { notBefore: NOW - 90 * DAY, notAfter: NOW - DAY }),
    ];
    expect(nextCertificateChange(certs, NOW)).toBe(NOW + 2 * DAY);
    expect(nextCertificateChange(certs, NOW + 2 * DAY)).toBe(NOW + 5 * DAY);
    expect(nextCertificateChange(certs, NOW + 90 * DAY)).toBeUndefined();
    expect(nextCertificateChange([], NOW)).toBeUndefined();
  });

  it('leaves out a certificate the moment it expires', () => {
    const c = cert('a', ['shop.example.com'], { notAfter: NOW + DAY });
    const older = cert('b', ['shop.example.com'], { notBefore: NOW - 20 * DAY, notAfter: NOW + 30 * DAY });
    const at = nextCertificateChange([c, older], NOW)!;
    expect(buildExtras([domain('shop.example.com')], [c, older], [], at - 1).hosts[0]!.certificate).toBe('a');
    expect(buildExtras([domain('shop.example.com')], [c, older], [], at).hosts[0]!.certificate).toBe('b');
  });
});
