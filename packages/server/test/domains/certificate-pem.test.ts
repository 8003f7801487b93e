// The upload checks of certificate-pem.ts with certificates made in-process: each failure its own
// code, names from subjectAltName (CN only without one), and a self-signed leaf alone accepted.
import crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkCertificate } from '../../src/domains/certificate-pem.ts';
import { isBerthError } from '../../src/errors.ts';
import { days, makeCert, makeChain, type TestCert } from './make-certs.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isBerthError(err)) return err.code;
    throw err;
  }
  return undefined;
}

describe('checkCertificate', () => {
  let chain: Awaited<ReturnType<typeof makeChain>>;
  let self: TestCert;
  const now = Date.now();

  beforeAll(async () => {
    chain = await makeChain(['shop.example.com', '*.shop.example.com']);
    self = await makeCert({ names: ['self.example.com'] });
  });

  it('accepts a leaf with its intermediates, leaf first, and reads names, dates and fingerprint', () => {
    const pem = chain.leaf.pem + chain.intermediate.pem;
    const checked = checkCertificate(pem, chain.leaf.keyPem, now);
    expect(checked.names).toEqual(['shop.example.com', '*.shop.example.com']);
    expect(checked.notAfter).toBe(chain.leaf.cert.notAfter.getTime());
    expect(checked.notBefore).toBe(chain.leaf.cert.notBefore.getTime());
    expect(checked.issuer).toContain('Berth Test Intermediate');
    expect(checked.fingerprint).toBe(new crypto.X509Certificate(chain.leaf.pem).fingerprint256);
    expect(checked.certPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(checked.keyPem).toContain('BEGIN PRIVATE KEY');
  });

  it('accepts the chain with its root too', () => {
    const pem = chain.leaf.pem + chain.intermediate.pem + chain.root.pem;
    expect(checkCertificate(pem, chain.leaf.keyPem, now).names).toHaveLength(2);
  });

  it("accepts a self-signed leaf alone (trust is the clients' to decide)", () => {
    expect(checkCertificate(self.pem, self.keyPem, now).names).toEqual(['self.example.com']);
  });

  it('refuses a chain in the wrong order', () => {
    const pem = chain.intermediate.pem + chain.leaf.pem;
    // The first certificate is the intermediate: the leaf's key does not match it.
    expect(codeOf(() => checkCertificate(pem, chain.leaf.keyPem, now))).toBe('CERT_KEY_MISMATCH');
    const skipped = chain.leaf.pem + chain.root.pem;
    expect(codeOf(() => checkCertificate(skipped, chain.leaf.keyPem, now))).toBe('CERT_CHAIN_INVALID');
    const reversed = chain.leaf.pem + chain.root.pem + chain.intermediate.pem;
    expect(codeOf(() => checkCertificate(reversed, chain.leaf.keyPem, now))).toBe('CERT_CHAIN_INVALID');
  });

  it('refuses a certificate followed by one that did not issue it', async () => {
    const other = await makeCert({ ca: true, cn: 'Berth Test Intermediate' });
    expect(codeOf(() => checkCertificate(chain.leaf.pem + other.pem, chain.leaf.keyPem, now))).toBe(
      'CERT_CHAIN_INVALID',
    );
  });

  it("refuses a key that is not the leaf's", () => {
    expect(codeOf(() => checkCertificate(chain.leaf.pem, self.keyPem, now))).toBe('CERT_KEY_MISMATCH');
  });

  it('refuses an expired and a not-yet-valid certificate', async () => {
    const expired = await makeCert({
      names: ['old.example.com'],
      notBefore: new Date(now - days(100)),
      notAfter: new Date(now - days(1)),
    });
    expect(codeOf(() => checkCertificate(expired.pem, expired.keyPem, now))).toBe('CERT_EXPIRED');
    const future = await makeCert({
      names: ['new.example.com'],
      notBefore: new Date(now + days(2)),
      notAfter: new Date(now + days(90)),
    });
    expect(codeOf(() => checkCertificate(future.pem, future.keyPem, now))).toBe('CERT_NOT_YET_VALID');
  });

  it('refuses a chain whose intermediate has expired', async () => {
    const root = await makeCert({ ca: true, cn: 'Root' });
    const inter = await makeCert({
      ca: true,
      cn: 'Old Intermediate',
      issuer: root,
      notBefore: new Date(now - days(400)),
      notAfter: new Date(now - days(1)),
    });
    const leaf = await makeCert({ names: ['a.example.com'], issuer: inter });
    expect(codeOf(() => checkCertificate(leaf.pem + inter.pem, leaf.keyPem, now))).toBe('CERT_EXPIRED');
  });

  it('refuses what is not PEM, and says which part', () => {
    expect(codeOf(() => checkCertificate('hello', self.keyPem, now))).toBe('CERT_INVALID_PEM');
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(codeOf(() => checkCertificate(broken, self.keyPem, now))).toBe('CERT_INVALID_PEM');
    expect(codeOf(() => checkCertificate(self.pem, 'no key here', now))).toBe('CERT_INVALID_PEM');
  });

  it('refuses an encrypted key with its own code', () => {
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const encrypted = privateKey.export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'secret',
    });
    expect(codeOf(() => checkCertificate(self.pem, encrypted.toString(), now))).toBe('CERT_KEY_ENCRYPTED');
    const legacy = privateKey.export({ type: 'sec1', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' });
    expect(codeOf(() => checkCertificate(self.pem, legacy.toString(), now))).toBe('CERT_KEY_ENCRYPTED');
  });

  it('takes the common name only when there is no subjectAltName', async () => {
    const cnOnly = await makeCert({ cn: 'Legacy.Example.com' });
    expect(checkCertificate(cnOnly.pem, cnOnly.keyPem, now).names).toEqual(['legacy.example.com']);
    const none = await makeCert({ cn: 'not a host' });
    expect(codeOf(() => checkCertificate(none.pem, none.keyPem, now))).toBe('CERT_NO_NAMES');
  });
});
