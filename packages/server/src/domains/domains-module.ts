// The domains module put together: custom domains, TLS certificates, ACME orders and what they add
// to the gateway's table. berthd gives it the store, the app access check, the job queue and
// `refreshRoutes` (the engine computes its table again, asking `extras` for this module's part);
// the module calls it after every change that alters the table.
import type { AppAction, PlatformStatus } from '@berth/sdk';
import type { Kysely } from 'kysely';
import type { AuditRecorder } from '../apps/index.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { GatewayExtrasSource } from '../engine/gateway-extras.ts';
import type { RouteModule } from '../http/server.ts';
import type { Actor } from '../identity/actor.ts';
import type { JobHandlers, JobQueue } from '../jobs/index.ts';
import type { Logger } from '../logger.ts';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { ACME_ORDER_JOB, type AcmeOrders, type AcmeSettings, createAcmeOrders } from './acme-orders.ts';
import { expiryOf } from './cert-expiry.ts';
import { type CertificatesService, createCertificates } from './certificates-service.ts';
import { buildExtras, type ExtrasDomain } from './domain-extras.ts';
import { createDomains, type DomainsService, type PlatformHosts } from './domains-service.ts';
import { domainsRoutes } from './routes.ts';

/** How often ACME domains are checked for renewal (issue 17 moves this to scheduled jobs). */
export const ACME_RENEW_CHECK_MS = 12 * 60 * 60 * 1000;

/** The longest delay a Node timer takes (about 24.8 days); a later change is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** When the set of valid certificates next changes after `t` (one expires, or one becomes valid). */
export function nextCertificateChange(
  certs: ReadonlyArray<{ notBefore: number; notAfter: number }>,
  t: number,
): number | undefined {
  let next: number | undefined;
  for (const c of certs) {
    for (const at of [c.notBefore, c.notAfter]) {
      if (at > t && (next === undefined || at < next)) next = at;
    }
  }
  return next;
}

export interface DomainsModuleDeps {
  store: Store;
  secretBox: SecretBox;
  audit: AuditRecorder;
  logger: Logger;
  queue: JobQueue;
  authorize(actor: Actor, action: AppAction, code: string): Promise<unknown>;
  readableCodes(actor: Actor): Promise<string[] | 'all'>;
  appCodes(): Promise<Set<string>>;
  platformHosts(): PlatformHosts;
  /** The engine computes the gateway's table again (with `extras`). */
  refreshRoutes(): Promise<void>;
  settings: {
    /** BERTH_CERT_WARN_DAYS */
    warnDays: number;
    /** Unset: ACME is off. */
    acme: AcmeSettings | undefined;
  };
  now?: () => number;
}

export interface DomainsModule {
  domains: DomainsService;
  certificates: CertificatesService;
  /** This module's part of the gateway's table. */
  extras: GatewayExtrasSource;
  routes: RouteModule;
  jobHandlers: JobHandlers;
  /** For the platform status page. */
  certificateStatus(): Promise<NonNullable<PlatformStatus['certificates']>>;
  acme: AcmeOrders | undefined;
  /** Starts the periodic renewal check (with ACME on) and the table's refresh when a certificate in
   *  it expires (or one becomes valid); `stop` ends both. */
  start(): void;
  stop(): void;
  /** The app is gone: its domains go. */
  forget(code: string): Promise<void>;
  /** Domains of apps deleted while berthd was down go (at start). */
  forgetMissingApps(live: Set<string>): Promise<void>;
}

export function createDomainsModule(deps: DomainsModuleDeps): DomainsModule {
  const now = deps.now ?? Date.now;
  const { db } = deps.store;
  const log = deps.logger.child({ mod: 'domains' });
  const changed = async () => {
    try {
      await deps.refreshRoutes();
    } catch (err) {
      // The change is stored; the next refresh (any deploy, the heal loop) serves it.
      log.warn({ err: (err as Error).message }, 'the gateway table was not refreshed after a domains change');
    }
  };
  const domainHosts = async () =>
    (await db.selectFrom('domains').select(['host', 'cert_source']).execute()).map((r) => ({
      host: r.host,
      certSource: r.cert_source,
    }));
  const certificates = createCertificates({
    store: deps.store,
    secretBox: deps.secretBox,
    audit: deps.audit,
    warnDays: deps.settings.warnDays,
    now,
    changed,
    domainHosts,
  });
  const acme = deps.settings.acme
    ? createAcmeOrders({
        store: deps.store,
        secretBox: deps.secretBox,
        queue: deps.queue,
        logger: log,
        settings: deps.settings.acme,
        now,
        certificates: () => certificates.all(),
        storeIssued: (checked, by) => certificates.storeIssued(checked, by),
        changed,
      })
    : undefined;
  const domains = createDomains({
    store: deps.store,
    audit: deps.audit,
    authorize: deps.authorize,
    readableCodes: deps.readableCodes,
    appCodes: deps.appCodes,
    platformHosts: deps.platformHosts,
    certificates: () => certificates.all(),
    warnDays: deps.settings.warnDays,
    now,
    changed,
    ...(acme
      ? { orderCertificate: (host: string, by: string, trx: Kysely<Database>) => acme.order(host, by, trx) }
      : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  // The table is computed again when the set of valid certificates changes, so that a certificate
  // is never offered past its notAfter: its hosts fall back to an older valid certificate that
  // covers them, or to plain HTTP. Only while started (berthd's gateway runs).
  let running = false;
  let nextChange: number | undefined;
  let changeTimer: NodeJS.Timeout | undefined;
  function scheduleChange() {
    clearTimeout(changeTimer);
    changeTimer = undefined;
    if (!running || nextChange === undefined) return;
    // A timer may fire a moment early: the next computation then schedules the rest.
    const delay = Math.min(Math.max(nextChange - now(), 0) + 1, MAX_TIMER_MS);
    changeTimer = setTimeout(() => {
      changeTimer = undefined;
      log.info('a certificate expired or became valid: the gateway table is computed again');
      void changed();
    }, delay);
    changeTimer.unref();
  }

  async function renew() {
    try {
      await acme?.renewDue();
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'the ACME renewal check failed; it runs again later');
    }
  }

  return {
    domains,
    certificates,
    acme,
    routes: domainsRoutes({ domains, certificates }),
    jobHandlers: acme ? { [ACME_ORDER_JOB]: (ctx) => acme.run(ctx) } : {},
    async extras() {
      const rows = await db.selectFrom('domains').selectAll().execute();
      const list: ExtrasDomain[] = rows.map((r) => ({
        host: r.host,
        app: r.app_code,
        env: r.env === 'prod' ? 'prod' : 'stag',
        httpsRedirect: r.https_redirect === 1,
        hstsMaxAge: Number(r.hsts_max_age),
        certSource: r.cert_source as ExtrasDomain['certSource'],
      }));
      const challenges = (await db.selectFrom('acme_challenges').selectAll().execute()).map((c) => ({
        token: c.token,
        host: c.host,
        keyAuthorization: c.key_authorization,
      }));
      const certs = await certificates.withKeys();
      const t = now();
      nextChange = nextCertificateChange(certs, t);
      scheduleChange();
      return buildExtras(list, certs, challenges, t);
    },
    async certificateStatus() {
      const t = now();
      const all = await certificates.all();
      let expiringSoon = 0;
      let expired = 0;
      for (const c of all) {
        const e = expiryOf(c.notAfter, t, deps.settings.warnDays);
        if (e.warning === 'expired') expired++;
        if (e.warning === 'expiring') expiringSoon++;
      }
      const soonest = all.filter((c) => c.notAfter > t).sort((a, b) => a.notAfter - b.notAfter)[0];
      return {
        warnDays: deps.settings.warnDays,
        expiringSoon,
        expired,
        ...(soonest ? { soonest: { id: soonest.id, names: soonest.names, notAfter: soonest.notAfter } } : {}),
      };
    },
    start() {
      running = true;
      scheduleChange();
      if (!acme || timer) return;
      void renew();
      timer = setInterval(() => void renew(), ACME_RENEW_CHECK_MS);
      timer.unref();
    },
    stop() {
      running = false;
      clearTimeout(changeTimer);
      changeTimer = undefined;
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    forget: (code) => domains.forget(code),
    async forgetMissingApps(live) {
      const codes = await db.selectFrom('domains').select('app_code').distinct().execute();
      for (const { app_code } of codes) if (!live.has(app_code)) await domains.forget(app_code);
    },
  };
}
