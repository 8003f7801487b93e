// The files of the registry berthd runs itself (BERTH_REGISTRY=builtin), under
// `{dataDir}/registry` (root's, 0700): its TLS key and self-signed certificate (made once with
// openssl, argument arrays only), its credentials (a user `berth` with a random password, kept in
// `credentials.json` and as a bcrypt line in `htpasswd`, the only hash docker-registry reads), the
// image store, and `config.yml`. Everything is made once and kept: a restarted berthd reads the
// same password and certificate, so nodes that trust the certificate keep trusting it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import { runProgram } from '../../run-program.ts';

export const REGISTRY_USER = 'berth';

export interface RegistryFiles {
  dir: string;
  config: string;
  /** The same registry refusing writes, while its garbage is collected (registry-gc.ts). */
  readOnlyConfig: string;
  cert: string;
  key: string;
  htpasswd: string;
  storage: string;
  pidFile: string;
  logFile: string;
  password: string;
}

/** Makes (or reads back) the registry's directory, certificate and credentials for `address`. */
export async function prepareRegistryFiles(dataDir: string, address: string): Promise<RegistryFiles> {
  const dir = path.join(dataDir, 'registry');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
  const files: Omit<RegistryFiles, 'password'> = {
    dir,
    config: path.join(dir, 'config.yml'),
    readOnlyConfig: path.join(dir, 'config-readonly.yml'),
    cert: path.join(dir, 'tls.crt'),
    key: path.join(dir, 'tls.key'),
    htpasswd: path.join(dir, 'htpasswd'),
    storage: path.join(dir, 'storage'),
    pidFile: path.join(dir, 'registry.pid'),
    logFile: path.join(dir, 'registry.log'),
  };
  fs.mkdirSync(files.storage, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(files.cert) || !fs.existsSync(files.key) || !certificateNames(files.cert, address)) {
    await makeCertificate(files.cert, files.key, address);
  }
  const password = readOrMakePassword(path.join(dir, 'credentials.json'));
  if (!fs.existsSync(files.htpasswd) || !bcrypt.compareSync(password, htpasswdHash(files.htpasswd))) {
    writePrivate(files.htpasswd, `${REGISTRY_USER}:${bcrypt.hashSync(password, 10)}\n`);
  }
  writePrivate(files.config, registryConfig({ ...files, address }));
  writePrivate(files.readOnlyConfig, registryConfig({ ...files, address, readOnly: true }));
  return { ...files, password };
}

/** docker-registry's configuration: TLS, htpasswd auth, deletes allowed (pruning), filesystem store;
 *  `readOnly`: pulls only (pushes and deletes refused), while garbage is collected. */
export function registryConfig(o: {
  address: string;
  storage: string;
  cert: string;
  key: string;
  htpasswd: string;
  readOnly?: boolean;
}): string {
  return stringify({
    version: 0.1,
    log: { level: 'info', formatter: 'text', fields: { service: 'berth-registry' } },
    storage: {
      filesystem: { rootdirectory: o.storage },
      delete: { enabled: true },
      ...(o.readOnly ? { maintenance: { readonly: { enabled: true } } } : {}),
    },
    http: {
      addr: o.address,
      tls: { certificate: o.cert, key: o.key },
      headers: { 'X-Content-Type-Options': ['nosniff'] },
    },
    auth: { htpasswd: { realm: 'berth-registry', path: o.htpasswd } },
  });
}

function readOrMakePassword(file: string): string {
  try {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { password?: unknown };
    if (typeof saved.password === 'string' && saved.password.length >= 32) return saved.password;
  } catch {
    // none yet, or unreadable: a new one
  }
  const password = crypto.randomBytes(24).toString('base64url');
  writePrivate(file, `${JSON.stringify({ username: REGISTRY_USER, password })}\n`);
  return password;
}

function htpasswdHash(file: string): string {
  return fs.readFileSync(file, 'utf8').trim().split(':').slice(1).join(':');
}

/** Writes a file only root reads, through a temporary name (never half-written). */
function writePrivate(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, text, { mode: 0o600 });
  fs.renameSync(temp, file);
}

/** Whether the certificate names the host of `address` (an IP address or a DNS name). */
function certificateNames(certFile: string, address: string): boolean {
  try {
    const cert = new crypto.X509Certificate(fs.readFileSync(certFile));
    const host = registryHost(address);
    return net.isIP(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
  } catch {
    return false;
  }
}

export function registryHost(address: string): string {
  const colon = address.lastIndexOf(':');
  return (colon > 0 ? address.slice(0, colon) : address).replace(/^\[|\]$/g, '');
}

/** A P-256 key and a self-signed certificate for the registry's address, valid for ten years. */
async function makeCertificate(certFile: string, keyFile: string, address: string): Promise<void> {
  const host = registryHost(address);
  const names = [net.isIP(host) ? `IP:${host}` : `DNS:${host}`, 'DNS:localhost', 'IP:127.0.0.1'];
  const args = [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    `${keyFile}.tmp`,
    '-out',
    `${certFile}.tmp`,
    '-days',
    '3650',
    '-subj',
    '/CN=berth-registry',
    '-addext',
    `subjectAltName=${[...new Set(names)].join(',')}`,
  ];
  const { code, output } = await runProgram('openssl', args);
  if (code !== 0) throw new Error(`openssl could not make the registry's certificate: ${output}`);
  fs.chmodSync(`${keyFile}.tmp`, 0o600);
  fs.renameSync(`${keyFile}.tmp`, keyFile);
  fs.renameSync(`${certFile}.tmp`, certFile);
}
