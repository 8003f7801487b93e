export { ACME_ORDER_JOB, ACME_RENEW_DAYS, type AcmeSettings } from './acme-orders.ts';
export { type CheckedCertificate, checkCertificate } from './certificate-pem.ts';
export { ACME_CHALLENGE_PATH, buildExtras } from './domain-extras.ts';
export { createDomainsModule, type DomainsModule, type DomainsModuleDeps } from './domains-module.ts';
export type { PlatformHosts } from './domains-service.ts';
export { domainsMigrations } from './tables.ts';
