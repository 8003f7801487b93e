// HTTP routes of custom domains and TLS certificates. Thin: each hands the request to its service,
// which decides who may do what (domains-service.ts, certificates-service.ts).
import {
  AcmeOrderResponseSchema,
  CertificateListResponseSchema,
  CertificateParamsSchema,
  CertificateResponseSchema,
  CertificateUploadBodySchema,
  DomainCreateBodySchema,
  DomainListResponseSchema,
  DomainParamsSchema,
  DomainResponseSchema,
  DomainUpdateBodySchema,
} from '@berth/sdk';
import { Type } from '@sinclair/typebox';
import { noContent, type RouteModule, requireActor } from '../http/server.ts';
import type { CertificatesService } from './certificates-service.ts';
import type { DomainsService } from './domains-service.ts';

const NoContent = Type.Null({ description: 'Done' });

export function domainsRoutes(deps: {
  domains: DomainsService;
  certificates: CertificatesService;
}): RouteModule {
  const { domains, certificates } = deps;
  return (app) => {
    app.get(
      '/api/v1/domains',
      {
        schema: {
          tags: ['domains'],
          summary: "The custom domains of the apps you can see, with their certificate's expiry",
          response: { 200: DomainListResponseSchema },
        },
      },
      async (req) => ({ items: await domains.list(requireActor(req)) }),
    );

    app.post(
      '/api/v1/domains',
      {
        schema: {
          tags: ['domains'],
          summary: 'Bind a domain to an app environment (`domain.write`; audited)',
          body: DomainCreateBodySchema,
          response: { 201: DomainResponseSchema },
        },
      },
      async (req, reply) =>
        reply.status(201).send({ domain: await domains.add(requireActor(req), req.body) }),
    );

    app.get(
      '/api/v1/domains/:host',
      {
        schema: {
          tags: ['domains'],
          summary: 'One domain',
          params: DomainParamsSchema,
          response: { 200: DomainResponseSchema },
        },
      },
      async (req) => ({ domain: await domains.get(requireActor(req), req.params.host) }),
    );

    app.patch(
      '/api/v1/domains/:host',
      {
        schema: {
          tags: ['domains'],
          summary: "Change a domain's HTTPS redirect, HSTS or certificate source (`domain.write`; audited)",
          params: DomainParamsSchema,
          body: DomainUpdateBodySchema,
          response: { 200: DomainResponseSchema },
        },
      },
      async (req) => ({ domain: await domains.update(requireActor(req), req.params.host, req.body) }),
    );

    app.delete(
      '/api/v1/domains/:host',
      {
        schema: {
          tags: ['domains'],
          summary: 'Remove a domain binding (`domain.write`; audited)',
          params: DomainParamsSchema,
          response: { 204: NoContent },
        },
      },
      async (req, reply) => {
        await domains.remove(requireActor(req), req.params.host);
        return noContent(reply);
      },
    );

    app.post(
      '/api/v1/domains/:host/acme',
      {
        schema: {
          tags: ['domains'],
          summary: 'Order an ACME certificate for the domain now (a job; `domain.write`)',
          params: DomainParamsSchema,
          response: { 202: AcmeOrderResponseSchema },
        },
      },
      async (req, reply) =>
        reply.status(202).send(await domains.orderAcme(requireActor(req), req.params.host)),
    );

    app.get(
      '/api/v1/certificates',
      {
        schema: {
          tags: ['domains'],
          summary: 'TLS certificates, soonest expiry first (admins, operators, auditors; keys never)',
          response: { 200: CertificateListResponseSchema },
        },
      },
      async (req) => ({ items: await certificates.list(requireActor(req)) }),
    );

    app.post(
      '/api/v1/certificates',
      {
        schema: {
          tags: ['domains'],
          summary: 'Upload a certificate chain and its key, checked first (admins, operators; audited)',
          body: CertificateUploadBodySchema,
          response: { 201: CertificateResponseSchema },
        },
      },
      async (req, reply) =>
        reply.status(201).send({ certificate: await certificates.upload(requireActor(req), req.body) }),
    );

    app.get(
      '/api/v1/certificates/:id',
      {
        schema: {
          tags: ['domains'],
          summary: 'One certificate (never its key)',
          params: CertificateParamsSchema,
          response: { 200: CertificateResponseSchema },
        },
      },
      async (req) => ({ certificate: await certificates.get(requireActor(req), req.params.id) }),
    );

    app.delete(
      '/api/v1/certificates/:id',
      {
        schema: {
          tags: ['domains'],
          summary: 'Remove a certificate (admins, operators; audited)',
          params: CertificateParamsSchema,
          response: { 204: NoContent },
        },
      },
      async (req, reply) => {
        await certificates.remove(requireActor(req), req.params.id);
        return noContent(reply);
      },
    );
  };
}
