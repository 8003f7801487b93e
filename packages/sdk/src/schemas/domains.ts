// Custom domains and TLS certificates: a host bound to an app environment (served at `/` on that
// host), its HTTPS settings, and the certificates the gateway offers by SNI (uploaded, or issued by
// an ACME CA). A certificate's private key goes in on upload and never comes out.
import { type Static, Type } from '@sinclair/typebox';
import { AppCodeSchema, EnvNameSchema, TimestampSchema } from './common.ts';

/** Where a domain's certificate comes from: `auto` any uploaded or issued certificate whose names
 *  cover the host, `none` plain HTTP only, `acme` issued (and renewed) by the ACME CA. */
export const CERT_SOURCES = ['auto', 'none', 'acme'] as const;
export type CertSource = (typeof CERT_SOURCES)[number];
export const CertSourceSchema = Type.Union(
  CERT_SOURCES.map((s) => Type.Literal(s)),
  { description: 'auto: a covering certificate; none: HTTP only; acme: issued by the ACME CA' },
);

export const DomainHostSchema = Type.String({
  minLength: 1,
  maxLength: 253,
  description:
    'Lower-case host name without port, IDN as punycode (xn--…), or `*.example.com` for any one label',
});

/** Days before expiry when a certificate is shown as expiring (BERTH_CERT_WARN_DAYS). */
export const CertWarningSchema = Type.Union([Type.Literal('expiring'), Type.Literal('expired')], {
  description: 'expiring: within the warning window (BERTH_CERT_WARN_DAYS); expired: past notAfter',
});

export const DomainCertificateSummarySchema = Type.Object({
  id: Type.String(),
  notAfter: TimestampSchema,
  expiresInDays: Type.Integer({ description: 'Whole days left (negative once expired)' }),
  warning: Type.Optional(CertWarningSchema),
});

export const DomainSchema = Type.Object(
  {
    host: DomainHostSchema,
    app: AppCodeSchema,
    env: EnvNameSchema,
    httpsRedirect: Type.Boolean({
      description: 'Plain HTTP is redirected (308) to HTTPS (with a certificate)',
    }),
    hstsMaxAge: Type.Integer({ minimum: 0, description: 'Strict-Transport-Security max-age; 0: none' }),
    certificateSource: CertSourceSchema,
    /** The certificate served for the host now (the newest valid one covering it), if any. */
    certificate: Type.Optional(DomainCertificateSummarySchema),
    /** The last ACME order's state, for `certificateSource: acme`. */
    acme: Type.Optional(
      Type.Object({
        status: Type.Union([Type.Literal('pending'), Type.Literal('valid'), Type.Literal('failed')]),
        jobId: Type.Optional(Type.String()),
        error: Type.Optional(Type.String()),
      }),
    ),
    createdAt: TimestampSchema,
    createdBy: Type.String(),
  },
  { title: 'Domain' },
);
export type Domain = Static<typeof DomainSchema>;

export const DomainCreateBodySchema = Type.Object(
  {
    host: DomainHostSchema,
    app: AppCodeSchema,
    env: EnvNameSchema,
    httpsRedirect: Type.Optional(Type.Boolean({ default: false })),
    hstsMaxAge: Type.Optional(Type.Integer({ minimum: 0, maximum: 63_072_000, default: 0 })),
    certificateSource: Type.Optional(CertSourceSchema),
  },
  { additionalProperties: false },
);
export type DomainCreateBody = Static<typeof DomainCreateBodySchema>;

export const DomainUpdateBodySchema = Type.Object(
  {
    httpsRedirect: Type.Optional(Type.Boolean()),
    hstsMaxAge: Type.Optional(Type.Integer({ minimum: 0, maximum: 63_072_000 })),
    certificateSource: Type.Optional(CertSourceSchema),
  },
  { additionalProperties: false },
);
export type DomainUpdateBody = Static<typeof DomainUpdateBodySchema>;

export const DomainParamsSchema = Type.Object({ host: DomainHostSchema });
export const DomainResponseSchema = Type.Object({ domain: DomainSchema });
export type DomainResponse = Static<typeof DomainResponseSchema>;
export const DomainListResponseSchema = Type.Object({ items: Type.Array(DomainSchema) });
export type DomainListResponse = Static<typeof DomainListResponseSchema>;
export const AcmeOrderResponseSchema = Type.Object({ domain: DomainSchema, jobId: Type.String() });
export type AcmeOrderResponse = Static<typeof AcmeOrderResponseSchema>;

export const CertificateSchema = Type.Object(
  {
    id: Type.String(),
    names: Type.Array(Type.String(), { description: 'DNS names it covers (subjectAltName; CN if none)' }),
    notBefore: TimestampSchema,
    notAfter: TimestampSchema,
    expiresInDays: Type.Integer({ description: 'Whole days left (negative once expired)' }),
    warning: Type.Optional(CertWarningSchema),
    issuer: Type.String(),
    fingerprint: Type.String({ description: 'SHA-256 of the leaf, colon-separated hex' }),
    source: Type.Union([Type.Literal('upload'), Type.Literal('acme')]),
    /** The domains it is served for now. */
    domains: Type.Array(Type.String()),
    createdAt: TimestampSchema,
    createdBy: Type.String(),
  },
  { title: 'Certificate' },
);
export type Certificate = Static<typeof CertificateSchema>;

export const CertificateUploadBodySchema = Type.Object(
  {
    cert: Type.String({
      minLength: 1,
      maxLength: 65_536,
      description: 'PEM: the leaf certificate first, then its intermediates',
    }),
    key: Type.String({
      minLength: 1,
      maxLength: 16_384,
      description: "PEM: the leaf's private key, unencrypted (never returned)",
      'x-secret': true,
    }),
  },
  { additionalProperties: false },
);
export type CertificateUploadBody = Static<typeof CertificateUploadBodySchema>;

export const CertificateParamsSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
export const CertificateResponseSchema = Type.Object({ certificate: CertificateSchema });
export type CertificateResponse = Static<typeof CertificateResponseSchema>;
export const CertificateListResponseSchema = Type.Object({ items: Type.Array(CertificateSchema) });
export type CertificateListResponse = Static<typeof CertificateListResponseSchema>;
