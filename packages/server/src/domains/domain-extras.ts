// What the domains module adds to the gateway table, computed from its rows alone (a pure function,
// so the exact contents are tested without a gateway): each domain as a binding; the certificate
// each host is served with (the newest valid certificate whose names cover it: a domain with
// certificate source `none` gets none); HTTPS redirect and HSTS only where a certificate is served;
// every valid certificate not wholly replaced by a newer one (a wildcard certificate also serves
// the per-app hosts under BERTH_APPS_DOMAIN by SNI); and each pending ACME HTTP-01 challenge as an
// exact-path `respond` route on its host.
import type { GatewayExtras } from '../engine/gateway-extras.ts';
import type { GatewayEnv, HostSettings, TlsCertificate } from '../gateway/route-model.ts';
import { nameCovers } from './host-name.ts';

export const ACME_CHALLENGE_PATH = '/.well-known/acme-challenge/';

export interface ExtrasDomain {
  host: string;
  app: string;
  env: GatewayEnv;
  httpsRedirect: boolean;
  hstsMaxAge: number;
  certSource: 'auto' | 'none' | 'acme';
}

export interface ExtrasCertificate {
  id: string;
  names: string[];
  certPem: string;
  keyPem: string;
  notBefore: number;
  notAfter: number;
  createdAt: number;
}

export interface ExtrasChallenge {
  token: string;
  host: string;
  keyAuthorization: string;
}

/** Valid certificates, newest first (by notBefore, then upload time, then id: a stable order). */
export function currentCertificates<C extends Omit<ExtrasCertificate, 'certPem' | 'keyPem'>>(
  certs: readonly C[],
  now: number,
): C[] {
  return certs
    .filter((c) => c.notBefore <= now && c.notAfter > now)
    .sort(
      (a, b) =>
        b.notBefore - a.notBefore || b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
}

/** The certificate served for a host: the newest valid one whose names cover it. */
export function certificateFor<C extends { names: string[] }>(
  host: string,
  newestFirst: readonly C[],
): C | undefined {
  return newestFirst.find((c) => c.names.some((name) => nameCovers(name, host)));
}

export function buildExtras(
  domains: readonly ExtrasDomain[],
  certs: readonly ExtrasCertificate[],
  challenges: readonly ExtrasChallenge[],
  now: number,
): GatewayExtras {
  const valid = currentCertificates(certs, now);
  // A certificate stays offered while one of its names is not covered by a newer one.
  const offered: ExtrasCertificate[] = [];
  for (const cert of valid) {
    const replaced = cert.names.every((name) => offered.some((newer) => newer.names.includes(name)));
    if (!replaced) offered.push(cert);
  }
  const used = new Set<string>();
  const hosts: HostSettings[] = [];
  const sorted = [...domains].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  for (const d of sorted) {
    const cert = d.certSource === 'none' ? undefined : certificateFor(d.host, valid);
    if (cert === undefined) continue;
    used.add(cert.id);
    hosts.push({
      host: d.host,
      certificate: cert.id,
      ...(d.httpsRedirect ? { httpsRedirect: true } : {}),
      ...(d.hstsMaxAge > 0 ? { hstsMaxAge: d.hstsMaxAge } : {}),
    });
  }
  const certificates: TlsCertificate[] = valid
    .filter((c) => used.has(c.id) || offered.includes(c))
    .map((c) => ({
      id: c.id,
      certPem: c.certPem,
      keyPem: c.keyPem,
      names: [...c.names],
      notAfter: new Date(c.notAfter).toISOString(),
    }));
  return {
    bindings: sorted.map((d) => ({ host: d.host, app: d.app, env: d.env })),
    hosts,
    certificates,
    routes: [...challenges]
      .sort((a, b) => (a.token < b.token ? -1 : 1))
      .map((c) => ({
        id: `acme/${c.host}/${c.token}`,
        match: { host: c.host, path: `${ACME_CHALLENGE_PATH}${c.token}` },
        target: {
          kind: 'respond' as const,
          status: 200,
          contentType: 'text/plain',
          body: c.keyAuthorization,
        },
      })),
  };
}
