// The HTTPS listener's certificate choice (tls-contexts.ts), with certificates made by openssl:
// exact names before one-label wildcards, a host's own certificate before the names, nothing for an
// unknown name, a certificate's secure context kept while its PEM is unchanged and made again when
// it changes, and a PEM that cannot be loaded refused without changing anything.
import { beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_TABLE_FORMAT, type GatewayTable, type TlsCertificate } from '../../src/gateway/index.ts';
import { createSniContexts } from '../../src/gateway/tls-contexts.ts';
import { silentLogger } from '../../src/logger.ts';
import { makeCertificate } from './contract/certificates.ts';

function tableWith(certificates: TlsCertificate[], hosts: GatewayTable['hosts'] = []): GatewayTable {
  return { format: GATEWAY_TABLE_FORMAT, routes: [], certificates, hosts };
}

describe('SNI certificate contexts', () => {
  let exact: TlsCertificate;
  let wild: TlsCertificate;
  let renewed: TlsCertificate;
  beforeAll(async () => {
    [exact, wild, renewed] = await Promise.all([
      makeCertificate('exact', ['shop.example.test']),
      makeCertificate('wild', ['*.example.test']),
      makeCertificate('exact', ['shop.example.test']),
    ]);
  }, 60_000);

  it('picks the exact name first, then a wildcard of one label, and nothing else', () => {
    const sni = createSniContexts({ logger: silentLogger() });
    sni.update(tableWith([exact, wild]));
    expect(sni.size()).toBe(2);
    const forExact = sni.contextFor('shop.example.test');
    const forWild = sni.contextFor('blog.example.test');
    expect(forExact).toBeDefined();
    expect(forWild).toBeDefined();
    expect(forExact).not.toBe(forWild);
    expect(sni.contextFor('SHOP.Example.Test.')).toBe(forExact);
    expect(sni.contextFor('a.blog.example.test')).toBeUndefined();
    expect(sni.contextFor('example.test')).toBeUndefined();
    const answers: Array<Error | null> = [];
    sni.callback('nope.other.test', (err) => answers.push(err));
    expect(answers[0]).toBeInstanceOf(Error);
  });

  it("gives a host the certificate its settings name, before the certificates' own names", () => {
    const sni = createSniContexts({ logger: silentLogger() });
    sni.update(tableWith([exact, wild], [{ host: 'shop.example.test', certificate: 'wild' }]));
    expect(sni.contextFor('shop.example.test')).toBe(sni.contextFor('blog.example.test'));
  });

  it('keeps the context of an unchanged certificate and makes a new one when it changes', () => {
    const sni = createSniContexts({ logger: silentLogger() });
    sni.update(tableWith([exact, wild]));
    const first = sni.contextFor('shop.example.test');
    const firstWild = sni.contextFor('blog.example.test');
    sni.update(tableWith([structuredClone(exact), structuredClone(wild)]));
    expect(sni.contextFor('shop.example.test')).toBe(first);
    sni.update(tableWith([renewed, wild]));
    expect(sni.contextFor('shop.example.test')).not.toBe(first);
    expect(sni.contextFor('blog.example.test')).toBe(firstWild);
    // Gone from the table: gone from the listener.
    sni.update(tableWith([wild]));
    expect(sni.size()).toBe(1);
    expect(sni.contextFor('shop.example.test')).toBe(firstWild);
  });

  it('refuses a certificate it cannot load, and keeps the ones before', () => {
    const sni = createSniContexts({ logger: silentLogger() });
    sni.update(tableWith([exact]));
    const before = sni.contextFor('shop.example.test');
    const broken = { ...wild, keyPem: exact.keyPem }; // a key that is not the certificate's
    expect(() => sni.update(tableWith([exact, broken]))).toThrow(/certificate wild cannot be loaded/);
    expect(sni.contextFor('shop.example.test')).toBe(before);
    expect(sni.contextFor('blog.example.test')).toBeUndefined();
  });
});
