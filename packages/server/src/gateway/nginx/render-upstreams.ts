// Upstream blocks and certificate files of a rendered nginx configuration: one upstream block
// per distinct set of servers of an app environment (weights, backup, down, passive failure
// handling, keepalive), named from a digest; each TLS certificate and key in a file of its own
// (keys 0600). With dynamic upstreams (render-lua.ts) an app environment's block names no server
// and keeps its name across tables: its servers are data, and a new set of them is no new
// configuration.
import net from 'node:net';
import type {
  GatewayRoute,
  GatewayTable,
  TlsCertificate,
  UpstreamServer as Upstream,
} from '../route-model.ts';
import { address, NginxRenderError, safeName } from './nginx-syntax.ts';
import type { RenderedFile } from './render-errors.ts';
import { balancerLine, type DynamicPeer } from './render-lua.ts';
import type { NginxRenderSettings } from './render-settings.ts';

export interface Upstreams {
  text: string[];
  nameOf(route: GatewayRoute): string | null;
  /** The servers of the dynamic blocks, by block name (empty without dynamic upstreams). */
  data: Record<string, DynamicPeer[]>;
}

function serverLines(upstreams: readonly Upstream[]): string[] {
  const live = upstreams.filter((u) => u.down !== true);
  const servers = upstreams.map((u) => {
    const options = [
      u.weight !== undefined && u.weight !== 1 ? ` weight=${u.weight}` : '',
      u.backup === true ? ' backup' : ' max_fails=1 fail_timeout=10s',
      u.down === true ? ' down' : '',
    ];
    return `server ${address(u.host, u.port)}${options.join('')}; # ${safeName('i', u.id)}`;
  });
  // nginx needs a primary server: when every primary is down, backups serve as primaries.
  return live.every((u) => u.backup === true) ? servers.map((s) => s.replace(' backup', '')) : servers;
}

/** The balancer's data for a set of servers: the live ones; backups become primaries when no
 *  primary is live (as in a static block). */
function peersOf(upstreams: readonly Upstream[]): DynamicPeer[] {
  const live = upstreams.filter((u) => u.down !== true);
  const onlyBackups = live.every((u) => u.backup === true);
  return live.map((u) => {
    address(u.host, u.port);
    return { host: u.host, port: u.port, weight: u.weight ?? 1, backup: !onlyBackups && u.backup === true };
  });
}

interface Candidate {
  route: GatewayRoute;
  label: string;
  servers: string[];
  upstreams: readonly Upstream[] | null;
}

export function upstreamBlocks(table: GatewayTable, settings: NginxRenderSettings): Upstreams {
  const keepalive = settings.upstreamKeepalive ?? 64;
  const dynamic = settings.dynamicUpstreams !== undefined;
  const candidates: Candidate[] = [];
  const byRoute = new Map<string, string | null>();
  for (const route of table.routes) {
    const target = route.target;
    if (target.kind === 'proxy') {
      if (!target.upstreams.some((u) => u.down !== true)) {
        byRoute.set(route.id, null);
        continue;
      }
      const label = route.app === undefined ? 'route' : `${route.app.code}_${route.app.env}`;
      candidates.push({ route, label, servers: serverLines(target.upstreams), upstreams: target.upstreams });
    } else if (target.kind === 'platform') {
      candidates.push({
        route,
        label: 'platform',
        servers: [`server ${address(target.host, target.port)};`],
        upstreams: null,
      });
    }
  }
  // Dynamic blocks are named from what does not change with the servers: the app environment, or
  // the route when routes of one label have different servers. Addresses must be IP addresses (the
  // balancer does not resolve names): a set with a host name gets a static block.
  const uniform = new Map<string, string | false>();
  for (const c of candidates) {
    const key = c.servers.join('\n');
    const seen = uniform.get(c.label);
    uniform.set(c.label, seen === undefined || seen === key ? key : false);
  }
  const text: string[] = [];
  const data: Record<string, DynamicPeer[]> = {};
  const named = new Set<string>();
  for (const c of candidates) {
    // Plain IP addresses only (no IPv6 zone): what the balancer's data accepts.
    const ips = c.upstreams?.every((u) => net.isIP(u.host) !== 0 && /^[0-9A-Fa-f.:]+$/.test(u.host)) === true;
    let name: string;
    let block: string[];
    if (dynamic && ips && c.upstreams !== null) {
      name =
        uniform.get(c.label) === false
          ? safeName('u', c.label, `dynamic\n${c.label}\n${c.route.id}`)
          : safeName('u', c.label, `dynamic\n${c.label}`);
      block = [
        'server 0.0.0.1:1; # never used: the balancer picks the server (render-lua.ts)',
        balancerLine(name),
      ];
      data[name] = peersOf(c.upstreams);
    } else {
      name = safeName('u', c.label, `${c.label}\n${c.servers.join('\n')}`);
      block = c.servers;
    }
    byRoute.set(c.route.id, name);
    if (named.has(name)) continue;
    named.add(name);
    text.push(`upstream ${name} {\n  ${block.join('\n  ')}\n  keepalive ${keepalive};\n}`);
  }
  return {
    text,
    data,
    nameOf: (route) => byRoute.get(route.id) ?? null,
  };
}

export interface Certificates {
  files: Map<string, RenderedFile>;
  pathsOf(id: string): { cert: string; key: string };
  list: TlsCertificate[];
}

export function certificateFiles(
  certificates: readonly TlsCertificate[],
): Certificates & { list: TlsCertificate[] } {
  const files = new Map<string, RenderedFile>();
  const paths = new Map<string, { cert: string; key: string }>();
  for (const cert of certificates) {
    const name = safeName('tls', cert.id);
    files.set(`tls/${name}.crt`, { content: ensureNewline(cert.certPem), mode: 0o644 });
    files.set(`tls/${name}.key`, { content: ensureNewline(cert.keyPem), mode: 0o600 });
    paths.set(cert.id, { cert: `tls/${name}.crt`, key: `tls/${name}.key` });
  }
  return {
    files,
    list: [...certificates],
    pathsOf(id) {
      const found = paths.get(id);
      if (found === undefined) throw new NginxRenderError(`certificate ${id} is not in the table`);
      return found;
    },
  };
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
