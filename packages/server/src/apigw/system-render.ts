// Writes a system and its components as Berth's canonical system file: fields in a fixed order,
// defaults left out, `dest: {app, env, path}` on one line, docs as literal blocks, no folding. Parsing
// a canonical file and rendering it again gives the same text byte for byte.
import type { ApigwSystem } from '@berth/sdk';
import { Document, isMap, isScalar, isSeq, Scalar, type YAMLMap } from 'yaml';
import { formatDuration } from '../manifest/units.ts';
import { type DeclaredComponent, formatRateLimit } from './model.ts';

/** `{system}.yaml`: the file a system is exported to. */
export function systemFileName(system: string): string {
  return `${system}.yaml`;
}

/** A system's fields as its file writes them (defaults left out). */
export function systemFields(s: ApigwSystem): Record<string, unknown> {
  return {
    name: s.name,
    label: s.label,
    ...(s.owner !== undefined ? { owner: s.owner } : {}),
    ...(s.timeoutMs !== undefined ? { timeout: formatDuration(s.timeoutMs) } : {}),
    ...(s.docs !== undefined ? { docs: s.docs } : {}),
  };
}

/** A component's fields as its file writes them (defaults left out). */
export function componentFields(c: DeclaredComponent): Record<string, unknown> {
  return {
    name: c.name,
    label: c.label,
    ...(c.labelEn !== undefined ? { label_en: c.labelEn } : {}),
    ...(c.compCodename !== undefined ? { comp_codename: c.compCodename } : {}),
    path: c.path,
    method: c.method,
    dest: { app: c.dest.app, env: c.dest.env, path: c.dest.path },
    ...(c.destHttpMethod !== undefined ? { dest_http_method: c.destHttpMethod } : {}),
    ...(c.type !== 'query' ? { type: c.type } : {}),
    ...(c.permLevel !== 'normal' ? { perm_level: c.permLevel } : {}),
    ...(c.timeoutMs !== undefined ? { timeout: formatDuration(c.timeoutMs) } : {}),
    ...(c.rateLimit !== undefined ? { rate_limit: formatRateLimit(c.rateLimit) } : {}),
    ...(c.hidden ? { hidden: true } : {}),
    ...(c.docs !== undefined ? { docs: c.docs } : {}),
  };
}

/** Docs as `|` blocks, `dest` as a flow mapping. */
function style(map: YAMLMap): void {
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    if (key === 'docs' && isScalar(pair.value) && typeof pair.value.value === 'string') {
      pair.value.type = Scalar.BLOCK_LITERAL;
    }
    if (key === 'dest' && isMap(pair.value)) pair.value.flow = true;
  }
}

export function renderSystemFile(system: ApigwSystem, components: readonly DeclaredComponent[]): string {
  const doc = new Document({
    system: systemFields(system),
    ...(components.length > 0 ? { components: components.map(componentFields) } : {}),
  });
  style(doc.get('system', true) as YAMLMap);
  const list = doc.get('components', true);
  if (isSeq(list)) for (const item of list.items) style(item as YAMLMap);
  return doc.toString({ lineWidth: 0 });
}
