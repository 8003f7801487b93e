// Checks an uploaded certificate chain and key (PEM) with node:crypto, before anything is stored:
// every block parses; the leaf comes first and each certificate is issued and signed by the next;
// the key is unencrypted and is the leaf's; every certificate is valid now; the leaf names at least
// one DNS host (subjectAltName DNS entries; the common name only when there is no subjectAltName).
// Each failure is its own error code. Whether the last certificate chains to a root anybody trusts is
// not checked: private clouds run private CAs, and a self-signed leaf alone is accepted (browsers
// decide whom they trust; the gateway only has to offer the chain as given).
import crypto, { X509Certificate } from 'node:crypto';
import { BerthError } from '../errors.ts';

export interface CheckedCertificate {
  /** The chain as PEM, normalised (leaf first, one block after another). */
  certPem: string;
  keyPem: string;
  names: string[];
  notBefore: number;
  notAfter: number;
  issuer: string;
  /** SHA-256 of the leaf (colon-separated upper-case hex, as openssl shows it). */
  fingerprint: string;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const MAX_CHAIN = 10;

export function checkCertificate(certText: string, keyText: string, now: number): CheckedCertificate {
  const blocks = certText.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) {
    throw new BerthError('CERT_INVALID_PEM', 'The certificate file has no PEM certificate block', {
      part: 'cert',
    });
  }
  if (blocks.length > MAX_CHAIN) {
    throw new BerthError('CERT_INVALID_PEM', `At most ${MAX_CHAIN} certificates in a chain`, {
      part: 'cert',
    });
  }
  const chain = blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new BerthError('CERT_INVALID_PEM', `Certificate ${index + 1} of the file is not X.509`, {
        part: 'cert',
        index,
      });
    }
  });
  const key = readKey(keyText);

  const leaf = chain[0]!;
  if (!leaf.checkPrivateKey(key)) {
    throw new BerthError(
      'CERT_KEY_MISMATCH',
      "The private key is not the first certificate's: the leaf must come first and the key must be its own",
    );
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    const cert = chain[i]!;
    const next = chain[i + 1]!;
    if (!cert.checkIssued(next) || !cert.verify(next.publicKey)) {
      throw new BerthError(
        'CERT_CHAIN_INVALID',
        `Certificate ${i + 1} (${cert.subject.replace(/\n/g, ', ')}) is not issued and signed by certificate ${i + 2}: put the leaf first, then each issuer in order`,
        { index: i },
      );
    }
  }
  chain.forEach((cert, index) => {
    const notBefore = Date.parse(cert.validFrom);
    const notAfter = Date.parse(cert.validTo);
    if (notAfter <= now) {
      throw new BerthError(
        'CERT_EXPIRED',
        `${index === 0 ? 'The certificate' : `Certificate ${index + 1} of the chain`} expired on ${new Date(notAfter).toISOString()}`,
        { index, notAfter: new Date(notAfter).toISOString() },
      );
    }
    if (notBefore > now) {
      throw new BerthError(
        'CERT_NOT_YET_VALID',
        `${index === 0 ? 'The certificate' : `Certificate ${index + 1} of the chain`} is valid only from ${new Date(notBefore).toISOString()}`,
        { index, notBefore: new Date(notBefore).toISOString() },
      );
    }
  });
  const names = leafNames(leaf);
  if (names.length === 0) throw new BerthError('CERT_NO_NAMES');
  return {
    certPem: `${blocks.join('\n')}\n`,
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    names,
    notBefore: Date.parse(leaf.validFrom),
    notAfter: Date.parse(leaf.validTo),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    fingerprint: leaf.fingerprint256,
  };
}

function readKey(keyText: string): crypto.KeyObject {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(keyText) || /Proc-Type:\s*4,\s*ENCRYPTED/.test(keyText)) {
    throw new BerthError('CERT_KEY_ENCRYPTED');
  }
  const block = /-----BEGIN ((?:RSA |EC )?PRIVATE KEY)-----[\s\S]*?-----END \1-----/.exec(keyText);
  if (!block) {
    throw new BerthError('CERT_INVALID_PEM', 'The key file has no PEM private key block', { part: 'key' });
  }
  try {
    return crypto.createPrivateKey({ key: block[0], format: 'pem' });
  } catch {
    throw new BerthError('CERT_INVALID_PEM', 'The private key does not parse', { part: 'key' });
  }
}

/** The leaf's DNS names, lower-case, each once: subjectAltName DNS entries, else the common name. */
export function leafNames(leaf: X509Certificate): string[] {
  const names = new Set<string>();
  const san = leaf.subjectAltName;
  if (san) {
    // "DNS:a.example.com, DNS:*.example.com, IP Address:10.0.0.1" (quoted when unusual).
    for (const part of san.split(/,\s*/)) {
      const m = /^DNS:"?([^"]+)"?$/.exec(part.trim());
      if (m) names.add(m[1]!.toLowerCase());
    }
  } else {
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(leaf.subject);
    if (cn) names.add(cn[1]!.trim().toLowerCase());
  }
  return [...names].filter((n) => /^(\*\.)?[a-z0-9.-]+$/.test(n) && n.includes('.'));
}
