// berth domains list | add | update | remove | acme   (custom domains bound to app environments)
// berth certs list | add | remove                     (the TLS certificates the gateway serves)
import fs from 'node:fs';
import type { Certificate, Domain, DomainUpdateBody } from '@berth/sdk';
import type { CommandContext, Group } from '../command.ts';
import { usageError } from '../errors.ts';
import { time } from '../output.ts';
import { envName } from '../validate.ts';
import { confirm, YES_OPTION } from './shared.ts';
import { appCode } from './target.ts';

/** `12d`, `12d (expiring)`, `EXPIRED`: what the tables show of a certificate's expiry. */
function expiry(c: { expiresInDays: number; warning?: 'expiring' | 'expired' | undefined }): string {
  if (c.warning === 'expired') return 'EXPIRED';
  return `${c.expiresInDays}d${c.warning === 'expiring' ? ' (expiring soon)' : ''}`;
}

function hsts(ctx: CommandContext): number | undefined {
  const raw = ctx.str('hsts');
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw usageError(`--hsts must be a whole number of seconds, not '${raw}'`);
  }
  return Number(raw);
}

function readFile(option: string, file: string | undefined): string {
  if (file === undefined) throw usageError(`--${option} FILE is required`);
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw usageError(`cannot read --${option} ${file}: ${(err as Error).message}`);
  }
}

function showDomain(ctx: CommandContext, d: Domain): void {
  ctx.out.fields([
    ['Host', d.host],
    ['App', `${d.app} (${d.env})`],
    ['HTTPS redirect', d.httpsRedirect ? 'yes' : 'no'],
    ['HSTS', d.hstsMaxAge > 0 ? `max-age=${d.hstsMaxAge}` : 'off'],
    [
      'Certificate',
      d.certificate ? `${d.certificate.id}, expires in ${expiry(d.certificate)}` : 'none (HTTP only)',
    ],
    ['Source', d.certificateSource],
    [
      'ACME',
      d.acme
        ? `${d.acme.status}${d.acme.jobId ? ` (job ${d.acme.jobId})` : ''}${d.acme.error ? `: ${d.acme.error}` : ''}`
        : undefined,
    ],
  ]);
  if (d.certificate?.warning) warn(ctx, d.host, d.certificate);
}

function warn(ctx: CommandContext, what: string, c: { expiresInDays: number; warning?: string }): void {
  ctx.out.note(
    c.warning === 'expired'
      ? `warning: the certificate of ${what} has expired`
      : `warning: the certificate of ${what} expires in ${c.expiresInDays} days`,
  );
}

const HTTPS_OPTIONS = {
  'https-redirect': {
    type: 'boolean' as const,
    help: 'Redirect plain HTTP to HTTPS (once a certificate covers it)',
  },
  hsts: {
    type: 'string' as const,
    value: 'SECONDS',
    help: 'Send Strict-Transport-Security: max-age=SECONDS (0: off)',
  },
  acme: {
    type: 'boolean' as const,
    help: 'Have the ACME CA issue and renew its certificate (BERTH_ACME_DIRECTORY)',
  },
};

export const domainsGroup: Group = {
  name: 'domains',
  summary: 'Custom domains: bind a host to an app environment, HTTPS redirect, HSTS, certificate expiry',
  defaultCommand: 'list',
  commands: [
    {
      name: 'list',
      summary: 'List the domains of the apps you can see, with their certificate and its expiry',
      usage: '[--json]',
      args: [0, 0],
      notes: ['CERT EXPIRES warns within BERTH_CERT_WARN_DAYS (21 days unless the server says otherwise).'],
      async run(ctx) {
        const body = await ctx.client().listDomains();
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['HOST', 'APP', 'ENV', 'HTTPS', 'HSTS', 'CERTIFICATE', 'CERT EXPIRES'],
          body.items.map((d) => [
            d.host,
            d.app,
            d.env,
            d.certificate
              ? d.httpsRedirect
                ? 'redirect'
                : 'yes'
              : d.certificateSource === 'acme'
                ? `acme ${d.acme?.status ?? ''}`.trim()
                : 'no',
            d.hstsMaxAge > 0 ? String(d.hstsMaxAge) : '',
            d.certificate?.id ?? '',
            d.certificate ? expiry(d.certificate) : '',
          ]),
          'No custom domains yet.',
        );
        for (const d of body.items) if (d.certificate?.warning) warn(ctx, d.host, d.certificate);
      },
    },
    {
      name: 'add',
      summary: 'Bind HOST (or *.example.com) to an app environment, served at / on that host',
      usage: 'HOST --app CODE --env stag|prod [--https-redirect] [--hsts SECONDS] [--acme] [--json]',
      args: [1, 1],
      options: {
        app: { type: 'string', short: 'a', value: 'CODE', help: 'The app (required; default: $BERTH_APP)' },
        env: { type: 'string', short: 'e', value: 'ENV', help: 'The environment: stag or prod (required)' },
        ...HTTPS_OPTIONS,
      },
      notes: [
        "Point the host's DNS at the gateway. HTTPS needs a certificate covering it: 'berth certs add',",
        'or --acme. Hosts are lower-case; write an IDN as punycode (xn--…).',
      ],
      async run(ctx) {
        const usage = 'berth domains add HOST --app CODE --env stag|prod';
        const app = appCode(ctx, usage);
        const env = ctx.str('env');
        if (env === undefined) throw usageError(`--env is required; usage: ${usage}`);
        const hstsMaxAge = hsts(ctx);
        const { domain } = await ctx.client().addDomain({
          host: ctx.args[0]!,
          app,
          env: envName(env),
          httpsRedirect: ctx.flag('https-redirect'),
          ...(hstsMaxAge !== undefined ? { hstsMaxAge } : {}),
          ...(ctx.flag('acme') ? { certificateSource: 'acme' as const } : {}),
        });
        if (ctx.json) return ctx.out.json({ domain });
        showDomain(ctx, domain);
      },
    },
    {
      name: 'update',
      summary: "Change a domain's HTTPS redirect, HSTS or certificate source",
      usage:
        'HOST [--https-redirect | --no-https-redirect] [--hsts SECONDS] [--source auto|none|acme] [--json]',
      args: [1, 1],
      options: {
        'https-redirect': HTTPS_OPTIONS['https-redirect'],
        'no-https-redirect': { type: 'boolean', help: 'Serve plain HTTP as it is' },
        hsts: HTTPS_OPTIONS.hsts,
        source: {
          type: 'string',
          value: 'SOURCE',
          help: 'auto (a covering certificate), none (HTTP only) or acme',
        },
      },
      async run(ctx) {
        const patch: DomainUpdateBody = {};
        if (ctx.flag('https-redirect') && ctx.flag('no-https-redirect')) {
          throw usageError('--https-redirect and --no-https-redirect exclude each other');
        }
        if (ctx.flag('https-redirect')) patch.httpsRedirect = true;
        if (ctx.flag('no-https-redirect')) patch.httpsRedirect = false;
        const hstsMaxAge = hsts(ctx);
        if (hstsMaxAge !== undefined) patch.hstsMaxAge = hstsMaxAge;
        const source = ctx.str('source');
        if (source !== undefined) {
          if (source !== 'auto' && source !== 'none' && source !== 'acme') {
            throw usageError(`--source must be auto, none or acme, not '${source}'`);
          }
          patch.certificateSource = source;
        }
        const { domain } = await ctx.client().updateDomain(ctx.args[0]!, patch);
        if (ctx.json) return ctx.out.json({ domain });
        showDomain(ctx, domain);
      },
    },
    {
      name: 'remove',
      summary: 'Remove a domain binding (the host is served no more)',
      usage: 'HOST [--yes]',
      args: [1, 1],
      options: YES_OPTION,
      async run(ctx) {
        const host = ctx.args[0]!;
        await confirm(ctx, `Remove the domain ${host}`, host);
        await ctx.client().removeDomain(host);
        if (!ctx.json) ctx.out.note(`Removed ${host}.`);
      },
    },
    {
      name: 'acme',
      summary: 'Order a certificate for HOST from the ACME CA now (HTTP-01; renewed automatically)',
      usage: 'HOST [--json]',
      args: [1, 1],
      notes: ["The order runs as a job: 'berth jobs show ID' follows it; 'berth domains' shows the result."],
      async run(ctx) {
        const body = await ctx.client().orderAcmeCertificate(ctx.args[0]!);
        if (ctx.json) return ctx.out.json(body);
        ctx.out.note(`Ordering a certificate for ${body.domain.host}: job ${body.jobId}.`);
      },
    },
  ],
};

export const certsGroup: Group = {
  name: 'certs',
  summary: 'TLS certificates for custom domains: upload (PEM, checked first), list with expiry, remove',
  defaultCommand: 'list',
  commands: [
    {
      name: 'list',
      summary: 'List the certificates, soonest expiry first (admins, operators, auditors)',
      usage: '[--json]',
      args: [0, 0],
      async run(ctx) {
        const body = await ctx.client().listCertificates();
        if (ctx.json) return ctx.out.json(body);
        ctx.out.table(
          ['ID', 'NAMES', 'SOURCE', 'EXPIRES', 'NOT AFTER', 'DOMAINS'],
          body.items.map((c: Certificate) => [
            c.id,
            c.names.join(','),
            c.source,
            expiry(c),
            time(c.notAfter),
            c.domains.join(','),
          ]),
          'No certificates yet.',
        );
        for (const c of body.items) if (c.warning) warn(ctx, c.names.join(', '), c);
      },
    },
    {
      name: 'add',
      summary: 'Upload a certificate chain (leaf first) and its unencrypted private key',
      usage: '--cert FILE --key FILE [--json]',
      args: [0, 0],
      options: {
        cert: { type: 'string', value: 'FILE', help: 'PEM: the leaf certificate, then its intermediates' },
        key: { type: 'string', value: 'FILE', help: "PEM: the leaf's private key, unencrypted" },
      },
      notes: [
        'The chain, the key and the dates are checked before anything is stored; the key is never shown.',
        'The newest valid certificate whose names cover a domain serves it.',
      ],
      async run(ctx) {
        const cert = readFile('cert', ctx.str('cert'));
        const key = readFile('key', ctx.str('key'));
        const { certificate } = await ctx.client().uploadCertificate({ cert, key });
        if (ctx.json) return ctx.out.json({ certificate });
        ctx.out.fields([
          ['ID', certificate.id],
          ['Names', certificate.names.join(', ')],
          ['Issuer', certificate.issuer],
          ['Expires', `${time(certificate.notAfter)} (${expiry(certificate)})`],
          ['Fingerprint', certificate.fingerprint],
          ['Serves', certificate.domains.join(', ') || 'no domain yet'],
        ]);
        if (certificate.warning) warn(ctx, certificate.names.join(', '), certificate);
      },
    },
    {
      name: 'remove',
      summary: 'Remove a certificate (its domains fall back to another covering one, or HTTP)',
      usage: 'ID [--yes]',
      args: [1, 1],
      options: YES_OPTION,
      async run(ctx) {
        const id = ctx.args[0]!;
        await confirm(ctx, `Remove the certificate ${id}`, id);
        await ctx.client().removeCertificate(id);
        if (!ctx.json) ctx.out.note(`Removed ${id}.`);
      },
    },
  ],
};
