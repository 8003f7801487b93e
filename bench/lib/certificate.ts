// A self-signed TLS certificate for the HTTPS rows: an ECDSA P-256 key and a certificate for the
// given DNS names, made by openssl (spawned with an argument array) into a directory of the run.
import fs from 'node:fs';
import path from 'node:path';
import { captureOutput, exited, start } from './procs.ts';

export interface BenchCertificate {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
  names: string[];
  notAfter: string;
}

export async function makeCertificate(dir: string, names: string[], days = 7): Promise<BenchCertificate> {
  const keyFile = path.join(dir, 'tls-key.pem');
  const certFile = path.join(dir, 'tls-cert.pem');
  const child = start('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    String(days),
    '-subj',
    `/CN=${names[0]}`,
    '-addext',
    `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
  ]);
  const output = captureOutput(child);
  await exited(child);
  if (child.exitCode !== 0)
    throw new Error(`openssl exited with ${child.exitCode}: ${output().slice(0, 500)}`);
  return {
    certFile,
    keyFile,
    certPem: fs.readFileSync(certFile, 'utf8'),
    keyPem: fs.readFileSync(keyFile, 'utf8'),
    names,
    notAfter: new Date(Date.now() + days * 86_400_000).toISOString(),
  };
}
