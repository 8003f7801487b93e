// ACME HTTP-01 certificates, with the maintained `acme-client` library (loaded only when
// BERTH_ACME_DIRECTORY is set). An order is a durable job (kind `domains.acme-order`, one at a time
// per host): the account key is made once per directory and sealed in the store; each challenge's
// key authorisation is stored, served by the gateway as an exact-path `respond` route on the domain
// (domain-extras.ts) and removed when the order ends, whichever way. A berthd killed mid-order
// leaves the job to the next one (jobs/), whose attempt removes the old challenges and orders again.
// `renewDue` enqueues an order for every ACME domain without a certificate valid for 30 more days.
import https from 'node:https';
import tls from 'node:tls';
import type { Client } from 'acme-client';
import type { Kysely } from 'kysely';
import type { SecretBox } from '../crypto/secret-box.ts';
import { BerthError } from '../errors.ts';
import type { JobContext, JobQueue } from '../jobs/index.ts';
import type { Logger } from '../logger.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { type CheckedCertificate, checkCertificate } from './certificate-pem.ts';
import type { CertificateMeta } from './certificates-service.ts';
import { certificateFor, currentCertificates } from './domain-extras.ts';

export const ACME_ORDER_JOB = 'domains.acme-order';
/** Renew when the served certificate has fewer days left than this. */
export const ACME_RENEW_DAYS = 30;

export interface AcmeSettings {
  directory: string;
  email: string | undefined;
  /** PEM of the CA that signed the ACME server's own TLS certificate (BERTH_ACME_CA_FILE's text):
   *  trusted for requests to the ACME server only. */
  caPem: string | undefined;
}

export interface AcmeDeps {
  store: Store;
  secretBox: SecretBox;
  queue: JobQueue;
  logger: Logger;
  settings: AcmeSettings;
  now: () => number;
  certificates(): Promise<CertificateMeta[]>;
  storeIssued(checked: CheckedCertificate, by: string): Promise<string>;
  changed(): Promise<void>;
}

export interface AcmeOrders {
  /** Enqueues an order for the host (in `db`'s transaction when given); the job's id. */
  order(host: string, by: string, db?: Kysely<Database>): Promise<string>;
  run(ctx: JobContext): Promise<unknown>;
  /** Orders for ACME domains whose certificate is missing or due for renewal; the hosts ordered. */
  renewDue(): Promise<string[]>;
}

export function createAcmeOrders(deps: AcmeDeps): AcmeOrders {
  const { db } = deps.store;
  const { directory } = deps.settings;
  const context = `acme-account:${directory}`;
  let lib: Promise<typeof import('acme-client')> | undefined;

  function load(): Promise<typeof import('acme-client')> {
    lib ??= import('acme-client').then((mod) => {
      const acme = (mod as { default?: typeof import('acme-client') }).default ?? mod;
      // The library's own HTTP client instance (not axios's global default): only ACME requests
      // trust this CA, on top of the system's.
      if (deps.settings.caPem) {
        acme.axios.defaults.httpsAgent = new https.Agent({
          ca: [...tls.rootCertificates, deps.settings.caPem],
        });
      }
      acme.setLogger(() => {});
      return acme;
    });
    return lib;
  }

  async function client(): Promise<Client> {
    const acme = await load();
    let account = await db
      .selectFrom('acme_accounts')
      .selectAll()
      .where('directory', '=', directory)
      .executeTakeFirst();
    if (!account) {
      const key = (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
      try {
        await db
          .insertInto('acme_accounts')
          .values({
            directory,
            key_sealed: deps.secretBox.seal(key, context),
            account_url: null,
            email: deps.settings.email ?? null,
            created_at: deps.now(),
          })
          .execute();
      } catch {
        // Another berthd made it at the same moment: use theirs.
      }
      account = await db
        .selectFrom('acme_accounts')
        .selectAll()
        .where('directory', '=', directory)
        .executeTakeFirstOrThrow();
    }
    const c = new acme.Client({
      directoryUrl: directory,
      accountKey: deps.secretBox.open(account.key_sealed, context),
      ...(account.account_url ? { accountUrl: account.account_url } : {}),
      backoffAttempts: 10,
      backoffMin: 200,
      backoffMax: 5000,
    });
    if (!account.account_url) {
      await c.createAccount({
        termsOfServiceAgreed: true,
        ...(deps.settings.email ? { contact: [`mailto:${deps.settings.email}`] } : {}),
      });
      await db
        .updateTable('acme_accounts')
        .set({ account_url: c.getAccountUrl() })
        .where('directory', '=', directory)
        .execute();
    }
    return c;
  }

  async function setStatus(host: string, status: 'pending' | 'valid' | 'failed', error: string | null) {
    await db
      .updateTable('domains')
      .set({ acme_status: status, acme_error: error })
      .where('host', '=', host)
      .execute();
  }

  async function clearChallenges(host: string) {
    const gone = await db.deleteFrom('acme_challenges').where('host', '=', host).executeTakeFirst();
    if (Number(gone.numDeletedRows) > 0) await deps.changed();
  }

  async function issue(ctx: JobContext, host: string): Promise<string> {
    const acme = await load();
    const c = await client();
    await ctx.log(`ordering a certificate for ${host} from ${directory}`);
    let order = await c.createOrder({ identifiers: [{ type: 'dns', value: host }] });
    await ctx.checkpoint({ orderUrl: order.url });
    for (const authz of await c.getAuthorizations(order)) {
      if (authz.status === 'valid') continue;
      const challenge = authz.challenges.find((ch) => ch.type === 'http-01');
      if (!challenge)
        throw new BerthError('ACME_ORDER_FAILED', `The CA offers no HTTP-01 challenge for ${host}`);
      const keyAuthorization = await c.getChallengeKeyAuthorization(challenge);
      await db.deleteFrom('acme_challenges').where('token', '=', challenge.token).execute();
      await db
        .insertInto('acme_challenges')
        .values({ token: challenge.token, host, key_authorization: keyAuthorization, created_at: deps.now() })
        .execute();
      await deps.changed();
      await ctx.log(
        `serving the HTTP-01 challenge at http://${host}/.well-known/acme-challenge/${challenge.token}`,
      );
      await c.completeChallenge(challenge);
      await c.waitForValidStatus(challenge);
      await ctx.log(`the CA validated ${host}`);
    }
    const [key, csr] = await acme.crypto.createCsr({ commonName: host, altNames: [host] });
    order = await c.finalizeOrder(order, csr);
    const pem = await c.getCertificate(order);
    const checked = checkCertificate(pem, key.toString(), deps.now());
    const id = await deps.storeIssued(checked, `acme:${ctx.job.id}`);
    await ctx.log(`stored certificate ${id}, valid until ${new Date(checked.notAfter).toISOString()}`);
    return id;
  }

  return {
    async order(host, by, trx) {
      const job = await deps.queue.enqueue(
        ACME_ORDER_JOB,
        { host, by },
        { key: `acme:${host}`, maxAttempts: 3, ...(trx ? { db: trx } : {}) },
      );
      return job.id;
    },

    async run(ctx) {
      const { host } = ctx.payload as { host: string };
      const domain = await db
        .selectFrom('domains')
        .select(['host', 'cert_source'])
        .where('host', '=', host)
        .executeTakeFirst();
      if (domain?.cert_source !== 'acme') {
        await ctx.log(`${host} is no longer a domain with an ACME certificate: nothing to order`);
        await clearChallenges(host);
        return { skipped: true };
      }
      // What a killed attempt left is answered no more.
      await clearChallenges(host);
      await setStatus(host, 'pending', null);
      try {
        const id = await issue(ctx, host);
        await setStatus(host, 'valid', null);
        return { certificate: id };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await ctx.log(`the order failed: ${message}`, 'error');
        await setStatus(host, 'failed', message.slice(0, 1000));
        if (err instanceof BerthError && err.code === 'ACME_ORDER_FAILED') throw err;
        throw new BerthError(
          'ACME_ORDER_FAILED',
          `The ACME CA did not issue a certificate for ${host}: ${message}`,
        );
      } finally {
        await clearChallenges(host);
      }
    },

    async renewDue() {
      const now = deps.now();
      const valid = currentCertificates(await deps.certificates(), now);
      const rows = await db
        .selectFrom('domains')
        .select(['host', 'acme_status', 'acme_job_id'])
        .where('cert_source', '=', 'acme')
        .execute();
      const ordered: string[] = [];
      for (const row of rows) {
        // An order still queued or running is left alone; a pending one whose job ended otherwise
        // (cancelled, lost) is ordered again.
        if (row.acme_status === 'pending' && row.acme_job_id) {
          const job = await deps.queue.find(row.acme_job_id);
          if (job && (job.status === 'queued' || job.status === 'running')) continue;
        }
        const cert = certificateFor(row.host, valid);
        if (cert && cert.notAfter - now > ACME_RENEW_DAYS * 86_400_000) continue;
        const jobId = await db.transaction().execute(async (trx) => {
          const id = await this.order(row.host, 'renewal', trx);
          await trx
            .updateTable('domains')
            .set({ acme_status: 'pending', acme_job_id: id, acme_error: null })
            .where('host', '=', row.host)
            .execute();
          return id;
        });
        deps.logger.info({ host: row.host, jobId }, 'ordering an ACME certificate (renewal)');
        ordered.push(row.host);
      }
      return ordered;
    },
  };
}
