// The HTTPS listener's certificates, chosen by SNI from the table: the name the client asks for
// exactly first (a host's own settings naming a certificate, then the certificates' names), then a
// `*.` wildcard of one label. A name nothing covers fails the handshake: there is no default
// certificate (a client would only get a name mismatch, and learn which names are served). A
// client that sends no SNI gets no certificate either. Secure contexts are built only for
// certificates that changed since the last table (building one parses the key, which is slow).
import tls, { type SecureContext } from 'node:tls';
import type { Logger } from '../logger.ts';
import type { GatewayTable, TlsCertificate } from './route-model.ts';

export interface SniContexts {
  /** Takes the certificates and host settings of a table. Throws (changing nothing) when a
   *  certificate's PEM cannot be loaded. */
  update(table: GatewayTable): void;
  /** The certificate's context for a server name, or undefined. */
  contextFor(servername: string): SecureContext | undefined;
  /** For `tls.createServer({ SNICallback })`. */
  readonly callback: (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;
  /** How many certificates are loaded. */
  size(): number;
}

interface Loaded {
  pem: string;
  context: SecureContext;
}

export function createSniContexts(deps: { logger: Logger }): SniContexts {
  let loaded = new Map<string, Loaded>();
  let exact = new Map<string, SecureContext>();
  let wildcard = new Map<string, SecureContext>();

  function contextFor(servername: string): SecureContext | undefined {
    const name = servername.toLowerCase().replace(/\.$/, '');
    const found = exact.get(name);
    if (found !== undefined) return found;
    const dot = name.indexOf('.');
    return dot > 0 ? wildcard.get(name.slice(dot)) : undefined;
  }

  return {
    update(table) {
      const next = new Map<string, Loaded>();
      const byId = new Map<string, SecureContext>();
      for (const cert of table.certificates ?? []) {
        const context = load(cert, loaded.get(cert.id), next);
        byId.set(cert.id, context);
      }
      const nextExact = new Map<string, SecureContext>();
      const nextWildcard = new Map<string, SecureContext>();
      const add = (name: string, context: SecureContext, replace: boolean) => {
        const map = name.startsWith('*.') ? nextWildcard : nextExact;
        const key = name.startsWith('*.') ? name.slice(1) : name;
        if (replace || !map.has(key)) map.set(key, context);
      };
      for (const cert of table.certificates ?? []) {
        for (const name of cert.names) add(name.toLowerCase(), byId.get(cert.id)!, false);
      }
      // A host's settings name its certificate explicitly: that one wins.
      for (const settings of table.hosts ?? []) {
        const context = settings.certificate === undefined ? undefined : byId.get(settings.certificate);
        if (context !== undefined) add(settings.host.toLowerCase(), context, true);
      }
      loaded = next;
      exact = nextExact;
      wildcard = nextWildcard;
    },
    contextFor,
    callback(servername, cb) {
      const context = contextFor(servername);
      if (context === undefined) {
        deps.logger.debug({ servername }, 'TLS handshake for a name with no certificate');
        cb(new Error(`no certificate for ${servername}`));
        return;
      }
      cb(null, context);
    },
    size: () => loaded.size,
  };
}

/** The certificate's context: the one loaded before when its PEM is unchanged, else a new one. */
function load(cert: TlsCertificate, before: Loaded | undefined, into: Map<string, Loaded>): SecureContext {
  const pem = cert.certPem + cert.keyPem;
  if (before !== undefined && before.pem === pem) {
    into.set(cert.id, before);
    return before.context;
  }
  let context: SecureContext;
  try {
    context = tls.createSecureContext({ cert: cert.certPem, key: cert.keyPem });
  } catch (err) {
    throw new Error(`certificate ${cert.id} cannot be loaded: ${(err as Error).message}`);
  }
  into.set(cert.id, { pem, context });
  return context;
}
