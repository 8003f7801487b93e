// Upstream blocks and certificate files of a rendered nginx configuration: one upstream block per
// distinct set of servers of an app environment (weights, backup, down, passive failure handling,
// keepalive), named from a digest; each TLS certificate and key in a file of its own (keys 0600).
import type { GatewayRoute, GatewayTable, TlsCertificate } from '../route-model.ts';
import { address, NginxRenderError, safeName } from './nginx-syntax.ts';
import type { RenderedFile } from './render-errors.ts';
import type { NginxRenderSettings } from './render-settings.ts';

export interface Upstreams {
  text: string[];
  nameOf(route: GatewayRoute): string | null;
}

export function upstreamBlocks(table: GatewayTable, settings: NginxRenderSettings): Upstreams {
  const keepalive = settings.upstreamKeepalive ?? 64;
  const byKey = new Map<string, string>();
  const byRoute = new Map<string, string | null>();
  const text: string[] = [];
  for (const route of table.routes) {
    const target = route.target;
    let servers: string[];
    let label: string;
    if (target.kind === 'proxy') {
      const live = target.upstreams.filter((u) => u.down !== true);
      if (live.length === 0) {
        byRoute.set(route.id, null);
        continue;
      }
      servers = target.upstreams.map((u) => {
        const options = [
          u.weight !== undefined && u.weight !== 1 ? ` weight=${u.weight}` : '',
          u.backup === true ? ' backup' : ' max_fails=1 fail_timeout=10s',
          u.down === true ? ' down' : '',
        ];
        return `server ${address(u.host, u.port)}${options.join('')}; # ${safeName('i', u.id)}`;
      });
      // nginx needs a primary server: when every primary is down, backups serve as primaries.
      if (live.every((u) => u.backup === true)) servers = servers.map((s) => s.replace(' backup', ''));
      label = route.app === undefined ? 'route' : `${route.app.code}_${route.app.env}`;
    } else if (target.kind === 'platform') {
      servers = [`server ${address(target.host, target.port)};`];
      label = 'platform';
    } else {
      continue;
    }
    const key = `${label}\n${servers.join('\n')}`;
    let name = byKey.get(key);
    if (name === undefined) {
      name = safeName('u', label, key);
      byKey.set(key, name);
      text.push(`upstream ${name} {\n  ${servers.join('\n  ')}\n  keepalive ${keepalive};\n}`);
    }
    byRoute.set(route.id, name);
  }
  return {
    text,
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
