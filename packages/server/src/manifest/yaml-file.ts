// Parses a YAML manifest (berth.yaml, app.yml) strictly: YAML 1.2 core schema, no duplicate keys, no
// unknown tags, a cap on aliases (no "billion laughs"), and a way back from a field to its line.
import { isScalar, LineCounter, parseDocument } from 'yaml';
import type { FieldPath, ManifestOrigin } from './manifest-error.ts';
import { manifestInvalid } from './manifest-error.ts';

export interface YamlFile {
  value: unknown;
  origin: ManifestOrigin;
  /** The text of a scalar as written (`1.10`, not `1.1`), for values that are kept as strings. */
  sourceOf(path: FieldPath): string | undefined;
}

export function parseYamlFile(file: string, text: string): YamlFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    schema: 'core',
    uniqueKeys: true,
    prettyErrors: true,
    merge: false,
  });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line;
    const message = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    throw manifestInvalid(
      { file: line === undefined ? file : `${file}:${line}` },
      [],
      `not valid YAML: ${message}`,
    );
  }
  const origin: ManifestOrigin = {
    file,
    lineOf(path) {
      for (let depth = path.length; depth > 0; depth--) {
        const node = doc.getIn(path.slice(0, depth), true) as
          | { range?: [number, number, number] }
          | undefined;
        if (node && typeof node === 'object' && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw manifestInvalid(origin, [], `not valid YAML: ${(err as Error).message}`);
  }
  return {
    value: value ?? {},
    origin,
    sourceOf(path) {
      const node = doc.getIn(path, true);
      return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
    },
  };
}
