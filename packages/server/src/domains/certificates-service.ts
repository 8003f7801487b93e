// TLS certificates: uploaded (checked by certificate-pem.ts before anything is stored) or issued by
// the ACME CA. The private key is sealed at rest (context `certificate:{id}`) and never leaves berthd
// except in the gateway's table. Reading the list is for admins, operators and auditors; uploading
// and removing for admins and operators. Every change is audited, keys never.
import crypto from 'node:crypto';
import type { Certificate, CertificateUploadBody } from '@berth/sdk';
import type { AuditRecorder } from '../apps/index.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { BerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import type { Store } from '../store/store.ts';
import { expiryOf } from './cert-expiry.ts';
import { type CheckedCertificate, checkCertificate } from './certificate-pem.ts';
import { certificateFor, currentCertificates, type ExtrasCertificate } from './domain-extras.ts';
import type { CertificateRow } from './tables.ts';

const READERS = new Set(['admin', 'operator', 'auditor']);
const WRITERS = new Set(['admin', 'operator']);

export interface CertificatesDeps {
  store: Store;
  secretBox: SecretBox;
  audit: AuditRecorder;
  warnDays: number;
  now: () => number;
  /** After a change the gateway's table is computed again. */
  changed(): Promise<void>;
}

export interface CertificatesService {
  list(actor: Actor): Promise<Certificate[]>;
  get(actor: Actor, id: string): Promise<Certificate>;
  upload(actor: Actor, body: CertificateUploadBody): Promise<Certificate>;
  remove(actor: Actor, id: string): Promise<void>;
  /** Stores a certificate the ACME CA issued (already checked). */
  storeIssued(checked: CheckedCertificate, by: string): Promise<string>;
  /** Every certificate with its key opened (for the gateway's table). */
  withKeys(): Promise<ExtrasCertificate[]>;
  /** Metadata of every certificate (no keys), for domain views and the status page. */
  all(): Promise<CertificateMeta[]>;
}

export interface CertificateMeta {
  id: string;
  names: string[];
  notBefore: number;
  notAfter: number;
  createdAt: number;
  source: string;
}

export function newCertificateId(): string {
  return `crt_${crypto.randomBytes(10).toString('hex')}`;
}

const metaOf = (r: CertificateRow): CertificateMeta => ({
  id: r.id,
  names: JSON.parse(r.names) as string[],
  notBefore: Number(r.not_before),
  notAfter: Number(r.not_after),
  createdAt: Number(r.created_at),
  source: r.source,
});

export function createCertificates(
  deps: CertificatesDeps & { domainHosts(): Promise<Array<{ host: string; certSource: string }>> },
): CertificatesService {
  const { db } = deps.store;
  const context = (id: string) => `certificate:${id}`;

  function can(actor: Actor, roles: Set<string>): void {
    if (!roles.has(actor.role)) throw new BerthError('FORBIDDEN');
  }

  async function views(rows: CertificateRow[]): Promise<Certificate[]> {
    const now = deps.now();
    const all = (await db.selectFrom('certificates').selectAll().execute()).map(metaOf);
    const valid = currentCertificates(all, now);
    const hosts = await deps.domainHosts();
    return rows.map((r) => {
      const meta = metaOf(r);
      const served = hosts
        .filter((h) => h.certSource !== 'none' && certificateFor(h.host, valid)?.id === r.id)
        .map((h) => h.host);
      return {
        id: r.id,
        names: meta.names,
        notBefore: meta.notBefore,
        notAfter: meta.notAfter,
        ...expiryOf(meta.notAfter, now, deps.warnDays),
        issuer: r.issuer,
        fingerprint: r.fingerprint,
        source: r.source === 'acme' ? 'acme' : 'upload',
        domains: served,
        createdAt: Number(r.created_at),
        createdBy: r.created_by,
      };
    });
  }

  async function insert(
    checked: CheckedCertificate,
    source: 'upload' | 'acme',
    actor: Actor | null,
    by: string,
  ) {
    const id = newCertificateId();
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('certificates')
        .values({
          id,
          names: JSON.stringify(checked.names),
          cert_pem: checked.certPem,
          key_sealed: deps.secretBox.seal(checked.keyPem, context(id)),
          not_before: checked.notBefore,
          not_after: checked.notAfter,
          issuer: checked.issuer,
          fingerprint: checked.fingerprint,
          source,
          created_at: deps.now(),
          created_by: by,
        })
        .execute();
      await deps.audit.record(trx, {
        actor,
        action: source === 'acme' ? 'certificate.issue' : 'certificate.upload',
        targetType: 'certificate',
        targetId: id,
        detail: { names: checked.names, notAfter: checked.notAfter, fingerprint: checked.fingerprint },
        ...(actor ? { ip: actor.ip } : {}),
      });
    });
    await deps.changed();
    return id;
  }

  async function row(id: string): Promise<CertificateRow> {
    const found = await db.selectFrom('certificates').selectAll().where('id', '=', id).executeTakeFirst();
    if (!found) throw new BerthError('CERTIFICATE_NOT_FOUND');
    return found;
  }

  return {
    async list(actor) {
      can(actor, READERS);
      const rows = await db
        .selectFrom('certificates')
        .selectAll()
        .orderBy('not_after')
        .orderBy('id')
        .execute();
      return views(rows);
    },
    async get(actor, id) {
      can(actor, READERS);
      return (await views([await row(id)]))[0]!;
    },
    async upload(actor, body) {
      can(actor, WRITERS);
      const checked = checkCertificate(body.cert, body.key, deps.now());
      const id = await insert(checked, 'upload', actor, actor.username);
      return (await views([await row(id)]))[0]!;
    },
    async remove(actor, id) {
      can(actor, WRITERS);
      const found = await row(id);
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('certificates').where('id', '=', id).execute();
        await deps.audit.record(trx, {
          actor,
          action: 'certificate.delete',
          targetType: 'certificate',
          targetId: id,
          detail: { names: JSON.parse(found.names) as string[] },
          ip: actor.ip,
        });
      });
      await deps.changed();
    },
    storeIssued(checked, by) {
      return insert(checked, 'acme', null, by);
    },
    async withKeys() {
      const rows = await db.selectFrom('certificates').selectAll().execute();
      return rows.map((r) => ({
        ...metaOf(r),
        certPem: r.cert_pem,
        keyPem: deps.secretBox.open(r.key_sealed, context(r.id)),
      }));
    },
    async all() {
      return (await db.selectFrom('certificates').selectAll().execute()).map(metaOf);
    },
  };
}
