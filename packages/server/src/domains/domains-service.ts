// Custom domains: a host bound to one app environment, served at `/` on that host, with its HTTPS
// settings. Anyone who sees the app sees its domains; binding, changing and removing one needs
// `domain.write` on the app (admins and operators by default). A host the platform serves itself is
// refused (DOMAIN_RESERVED), one bound already DOMAIN_TAKEN. Every change is audited and the
// gateway's table is computed again.

import type { AppAction, Domain, DomainCreateBody, DomainUpdateBody, EnvName } from '@berth/sdk';
import type { Kysely } from 'kysely';
import type { AuditRecorder } from '../apps/index.ts';
import { BerthError, isBerthError } from '../errors.ts';
import type { Actor } from '../identity/actor.ts';
import { isUniqueViolation } from '../store/dialect.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { expiryOf } from './cert-expiry.ts';
import type { CertificateMeta } from './certificates-service.ts';
import { certificateFor, currentCertificates } from './domain-extras.ts';
import { hostProblem, isUnder } from './host-name.ts';
import type { DomainRow } from './tables.ts';

/** The host names the platform serves itself (read when needed: ports are bound late). */
export interface PlatformHosts {
  /** The console and API's host (BERTH_PUBLIC_URL). */
  console: string;
  /** The apps origin's host (BERTH_APPS_URL). */
  apps: string;
  /** BERTH_APPS_DOMAIN: `{code}.` and `{code}-stag.` under it are apps' own hosts. */
  appsDomain: string | undefined;
}

export interface DomainsDeps {
  store: Store;
  audit: AuditRecorder;
  authorize(actor: Actor, action: AppAction, code: string): Promise<unknown>;
  readableCodes(actor: Actor): Promise<string[] | 'all'>;
  appCodes(): Promise<Set<string>>;
  platformHosts(): PlatformHosts;
  certificates(): Promise<CertificateMeta[]>;
  warnDays: number;
  now: () => number;
  changed(): Promise<void>;
  /** Enqueues an ACME order for the host (a job, in the caller's transaction); its id. Absent while
   *  ACME is off. */
  orderCertificate?(host: string, by: string, db: Kysely<Database>): Promise<string>;
}

export interface DomainsService {
  list(actor: Actor): Promise<Domain[]>;
  get(actor: Actor, host: string): Promise<Domain>;
  add(actor: Actor, body: DomainCreateBody): Promise<Domain>;
  update(actor: Actor, host: string, patch: DomainUpdateBody): Promise<Domain>;
  remove(actor: Actor, host: string): Promise<void>;
  /** Orders an ACME certificate for the domain now; sets its certificate source to `acme`. */
  orderAcme(actor: Actor, host: string): Promise<{ domain: Domain; jobId: string }>;
  /** The app is gone: its domains go. */
  forget(code: string): Promise<void>;
  /** The app's domains and the environment each serves, by host (no actor: the API gateway's
   *  built-in system tells them to apps it granted). */
  hostsOf(code: string): Promise<Array<{ host: string; env: string }>>;
}

export function checkHost(host: string): string {
  const problem = hostProblem(host);
  if (problem) throw new BerthError('DOMAIN_INVALID', `${JSON.stringify(host)} ${problem}`, { host });
  return host;
}

export function createDomains(deps: DomainsDeps): DomainsService {
  const { db } = deps.store;

  async function views(rows: DomainRow[]): Promise<Domain[]> {
    const now = deps.now();
    const valid = currentCertificates(await deps.certificates(), now);
    return rows.map((r) => {
      const cert = r.cert_source === 'none' ? undefined : certificateFor(r.host, valid);
      const domain: Domain = {
        host: r.host,
        app: r.app_code,
        env: r.env as EnvName,
        httpsRedirect: r.https_redirect === 1,
        hstsMaxAge: Number(r.hsts_max_age),
        certificateSource: r.cert_source as Domain['certificateSource'],
        createdAt: Number(r.created_at),
        createdBy: r.created_by,
      };
      if (cert) {
        domain.certificate = {
          id: cert.id,
          notAfter: cert.notAfter,
          ...expiryOf(cert.notAfter, now, deps.warnDays),
        };
      }
      if (r.acme_status === 'pending' || r.acme_status === 'valid' || r.acme_status === 'failed') {
        domain.acme = {
          status: r.acme_status,
          ...(r.acme_job_id ? { jobId: r.acme_job_id } : {}),
          ...(r.acme_error ? { error: r.acme_error } : {}),
        };
      }
      return domain;
    });
  }

  /** The domain's row when the actor may do `action` with its app; a domain of an app the actor
   *  cannot see does not exist for them. */
  async function found(actor: Actor, host: string, action: AppAction): Promise<DomainRow> {
    const row = await db.selectFrom('domains').selectAll().where('host', '=', host).executeTakeFirst();
    if (!row) throw new BerthError('DOMAIN_NOT_FOUND');
    try {
      await deps.authorize(actor, action, row.app_code);
    } catch (err) {
      if (isBerthError(err, 'APP_NOT_FOUND')) throw new BerthError('DOMAIN_NOT_FOUND');
      throw err;
    }
    return row;
  }

  async function checkNotReserved(host: string): Promise<void> {
    const platform = deps.platformHosts();
    const reserved = (why: string) =>
      new BerthError('DOMAIN_RESERVED', `${host} ${why}; bind another host name`, { host });
    const bare = host.startsWith('*.') ? host.slice(2) : host;
    for (const own of [platform.console, platform.apps]) {
      const name = own.toLowerCase();
      if (
        host === name ||
        (host.startsWith('*.') && name.endsWith(`.${bare}`) && !name.slice(0, -bare.length - 1).includes('.'))
      ) {
        throw reserved(`is the platform's own host (${name})`);
      }
    }
    const domain = platform.appsDomain;
    if (domain === undefined || !isUnder(host, domain)) return;
    if (host === domain || host === `*.${domain}`) throw reserved(`is BERTH_APPS_DOMAIN's (${domain})`);
    if (host.startsWith('*.') || bare.slice(0, -domain.length - 1).includes('.')) return;
    const label = bare.slice(0, -domain.length - 1);
    const code = label.endsWith('-stag') ? label.slice(0, -5) : label;
    if ((await deps.appCodes()).has(code))
      throw reserved(`is the app ${code}'s own host under BERTH_APPS_DOMAIN`);
  }

  async function audit(
    trx: Kysely<Database>,
    actor: Actor,
    action: string,
    row: { host: string; app_code: string },
    detail = {},
  ) {
    await deps.audit.record(trx, {
      actor,
      action,
      targetType: 'app',
      targetId: row.app_code,
      detail: { host: row.host, ...detail },
      ip: actor.ip,
    });
  }

  /** Enqueues an order and marks the domain pending, in the caller's transaction. */
  async function enqueueOrder(trx: Kysely<Database>, actor: Actor, row: { host: string; app_code: string }) {
    if (!deps.orderCertificate) throw new BerthError('ACME_DISABLED');
    if (row.host.startsWith('*.')) throw new BerthError('ACME_WILDCARD_UNSUPPORTED');
    const jobId = await deps.orderCertificate(row.host, actor.username, trx);
    await trx
      .updateTable('domains')
      .set({ cert_source: 'acme', acme_status: 'pending', acme_job_id: jobId, acme_error: null })
      .where('host', '=', row.host)
      .execute();
    await audit(trx, actor, 'domain.acme.order', row, { jobId });
    return jobId;
  }

  return {
    async list(actor) {
      const codes = await deps.readableCodes(actor);
      if (codes !== 'all' && codes.length === 0) return [];
      let q = db.selectFrom('domains').selectAll().orderBy('host');
      if (codes !== 'all') q = q.where('app_code', 'in', codes);
      return views(await q.execute());
    },

    async get(actor, host) {
      return (await views([await found(actor, host, 'app.read')]))[0]!;
    },

    async add(actor, body) {
      const host = checkHost(body.host);
      await deps.authorize(actor, 'domain.write', body.app);
      await checkNotReserved(host);
      const source = body.certificateSource ?? 'auto';
      if (source === 'acme') {
        if (!deps.orderCertificate) throw new BerthError('ACME_DISABLED');
        if (host.startsWith('*.')) throw new BerthError('ACME_WILDCARD_UNSUPPORTED');
      }
      const row: DomainRow = {
        host,
        app_code: body.app,
        env: body.env,
        https_redirect: body.httpsRedirect ? 1 : 0,
        hsts_max_age: body.hstsMaxAge ?? 0,
        cert_source: source,
        acme_status: null,
        acme_job_id: null,
        acme_error: null,
        created_at: deps.now(),
        created_by: actor.username,
      };
      try {
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('domains').values(row).execute();
          await deps.audit.record(trx, {
            actor,
            action: 'domain.add',
            targetType: 'app',
            targetId: body.app,
            detail: {
              host,
              env: body.env,
              httpsRedirect: row.https_redirect === 1,
              hstsMaxAge: row.hsts_max_age,
            },
            ip: actor.ip,
          });
          if (source === 'acme') await enqueueOrder(trx, actor, row);
        });
      } catch (err) {
        if (isUniqueViolation(err))
          throw new BerthError('DOMAIN_TAKEN', `${host} is bound already`, { host });
        throw err;
      }
      await deps.changed();
      return this.get(actor, host);
    },

    async update(actor, host, patch) {
      const row = await found(actor, host, 'domain.write');
      const source = patch.certificateSource ?? row.cert_source;
      if (source === 'acme' && row.cert_source !== 'acme') {
        if (!deps.orderCertificate) throw new BerthError('ACME_DISABLED');
        if (host.startsWith('*.')) throw new BerthError('ACME_WILDCARD_UNSUPPORTED');
      }
      const next = {
        https_redirect: patch.httpsRedirect === undefined ? row.https_redirect : patch.httpsRedirect ? 1 : 0,
        hsts_max_age: patch.hstsMaxAge ?? row.hsts_max_age,
        cert_source: source,
      };
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('domains').set(next).where('host', '=', host).execute();
        await audit(trx, actor, 'domain.update', row, { ...patch });
        if (source === 'acme' && row.cert_source !== 'acme') await enqueueOrder(trx, actor, row);
      });
      await deps.changed();
      return this.get(actor, host);
    },

    async remove(actor, host) {
      const row = await found(actor, host, 'domain.write');
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('domains').where('host', '=', host).execute();
        await trx.deleteFrom('acme_challenges').where('host', '=', host).execute();
        await audit(trx, actor, 'domain.remove', row);
      });
      await deps.changed();
    },

    async orderAcme(actor, host) {
      const row = await found(actor, host, 'domain.write');
      const jobId = await db.transaction().execute((trx) => enqueueOrder(trx, actor, row));
      await deps.changed();
      return { domain: await this.get(actor, host), jobId };
    },

    async hostsOf(code) {
      const rows = await db
        .selectFrom('domains')
        .select(['host', 'env'])
        .where('app_code', '=', code)
        .execute();
      return rows.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
    },

    async forget(code) {
      const hosts = (
        await db.selectFrom('domains').select('host').where('app_code', '=', code).execute()
      ).map((r) => r.host);
      if (hosts.length === 0) return;
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('acme_challenges').where('host', 'in', hosts).execute();
        await trx.deleteFrom('domains').where('app_code', '=', code).execute();
      });
      await deps.changed();
    },
  };
}
