// Test certificates made in-process with @peculiar/x509 (WebCrypto, ECDSA P-256): a CA, an
// intermediate and leaves with chosen names and validity, as PEM. For the PEM checks (unit tier: no
// openssl child process) and the API tests.
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// Node's WebCrypto types, named explicitly: the console's tests (DOM lib) import this file too.
type Key = webcrypto.CryptoKey;
type KeyPair = webcrypto.CryptoKeyPair;
type CreateParams = x509.X509CertificateCreateWithKeyParams;
const subtle = webcrypto.subtle;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;
let serial = 1;

export interface TestCert {
  cert: x509.X509Certificate;
  keys: KeyPair;
  pem: string;
  keyPem: string;
}

async function keyPem(key: Key): Promise<string> {
  const der = await subtle.exportKey('pkcs8', key);
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

export interface CertOptions {
  /** DNS names for subjectAltName (none: no SAN extension). */
  names?: string[];
  /** IP addresses for subjectAltName. */
  ips?: string[];
  cn?: string;
  notBefore?: Date;
  notAfter?: Date;
  issuer?: TestCert;
  ca?: boolean;
}

export async function makeCert(o: CertOptions = {}): Promise<TestCert> {
  const keys = (await subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
  const now = Date.now();
  const subject = `CN=${o.cn ?? o.names?.[0] ?? 'Berth Test CA'}`;
  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(o.ca ?? false, undefined, true)];
  const alt = [
    ...(o.names ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(o.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (alt.length) extensions.push(new x509.SubjectAlternativeNameExtension(alt));
  if (o.ca) {
    extensions.push(
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    );
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: (serial++).toString(16).padStart(2, '0'),
    subject,
    issuer: o.issuer ? o.issuer.cert.subject : subject,
    notBefore: o.notBefore ?? new Date(now - DAY),
    notAfter: o.notAfter ?? new Date(now + 90 * DAY),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey as unknown as CreateParams['publicKey'],
    signingKey: (o.issuer
      ? o.issuer.keys.privateKey
      : keys.privateKey) as unknown as CreateParams['signingKey'],
    extensions,
  });
  return { cert, keys, pem: cert.toString('pem'), keyPem: await keyPem(keys.privateKey) };
}

/** A root CA, an intermediate it signed, and a leaf for `names` the intermediate signed. */
export async function makeChain(names: string[], leaf: Omit<CertOptions, 'issuer' | 'names'> = {}) {
  const root = await makeCert({ ca: true, cn: 'Berth Test Root' });
  const intermediate = await makeCert({ ca: true, cn: 'Berth Test Intermediate', issuer: root });
  const end = await makeCert({ ...leaf, names, issuer: intermediate });
  return { root, intermediate, leaf: end };
}

export const days = (n: number) => n * DAY;
