// Self-signed certificates for the gateway tests, made with openssl (spawned with an argument
// array) in a temporary directory: an EC key and a certificate for the given DNS names.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TlsCertificate } from '../../../src/gateway/index.ts';

const run = promisify(execFile);

export async function makeCertificate(id: string, names: string[], days = 2): Promise<TlsCertificate> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'berth-cert-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      String(days),
      '-subj',
      `/CN=${names[0]}`,
      '-addext',
      `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
    ]);
    const notAfter = new Date(Date.now() + days * 86_400_000).toISOString();
    return {
      id,
      certPem: await fs.readFile(cert, 'utf8'),
      keyPem: await fs.readFile(key, 'utf8'),
      names,
      notAfter,
    };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
