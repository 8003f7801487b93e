// Reading a system file's YAML nodes field by field, so that every error names the file, the 1-based
// line and the field (APIGW_YAML_INVALID, details {file, line, field}) and says what is wrong: an
// unknown field (with "did you mean"), a wrong type, a missing field, a bad value.
import { closest } from '@berth/sdk';
import {
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type Pair,
  parseDocument,
  type YAMLMap,
} from 'yaml';
import { BerthError } from '../errors.ts';
import { parseDuration } from '../manifest/units.ts';

export interface YamlErrorDetails {
  file: string;
  line: number;
  /** `components[2].dest.app`; null for the file as a whole. */
  field: string | null;
}

export function yamlInvalid(file: string, line: number, field: string | null, message: string): BerthError {
  const where = `${file}:${line}${field === null ? '' : ` (${field})`}`;
  const details: YamlErrorDetails = { file, line, field };
  return new BerthError('APIGW_YAML_INVALID', `${where}: ${message}`, details);
}

/** A node of the file and where it is. */
export interface Located {
  file: string;
  lines: LineCounter;
  node: Node | null;
  /** The field's path as errors show it. */
  field: string | null;
  /** Where the field is written (its key's line), or the enclosing node's. */
  line: number;
}

export function lineOf(
  lines: LineCounter,
  node: { range?: [number, number, number] | null } | null,
  fallback = 1,
) {
  const start = node?.range?.[0];
  return start === undefined ? fallback : lines.linePos(start).line;
}

/** Parses the text strictly (YAML 1.2 core schema, unique keys, no merge keys, few aliases). */
export function parseYaml(file: string, text: string, lines: LineCounter): Node | null {
  const doc = parseDocument(text, { lineCounter: lines, schema: 'core', uniqueKeys: true, merge: false });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line ?? 1;
    let message = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    if (/flow-map|flow-seq/.test(message)) {
      message += '; a value holding { } [ ] or , inside a { … } mapping must be quoted';
    }
    throw yamlInvalid(file, line, null, `not valid YAML: ${message}`);
  }
  // Aliases are resolved by value: a cap keeps "billion laughs" out.
  doc.toJS({ maxAliasCount: 100 });
  return (doc.contents as Node | null) ?? null;
}

function typeOf(node: Node | null): string {
  if (node === null) return 'empty';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'empty';
    if (typeof v === 'string') return 'text';
    if (typeof v === 'number') return 'a number';
    if (typeof v === 'boolean') return 'true/false';
  }
  return 'something else';
}

export function wrongType(at: Located, want: string): BerthError {
  return yamlInvalid(at.file, at.line, at.field, `must be ${want}, not ${typeOf(at.node)}`);
}

/** The fields of a mapping, each once, none unknown; `aliases` maps another spelling to its field. */
export class MapReader {
  readonly #at: Located;
  readonly #fields = new Map<string, Located>();

  constructor(at: Located, known: readonly string[], aliases: Readonly<Record<string, string>> = {}) {
    this.#at = at;
    if (!isMap(at.node)) throw wrongType(at, 'a mapping');
    const names = [...known, ...Object.keys(aliases)];
    for (const pair of (at.node as YAMLMap).items as Pair<Node | null, Node | null>[]) {
      const keyLine = lineOf(at.lines, pair.key, at.line);
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof key !== 'string') {
        throw yamlInvalid(at.file, keyLine, at.field, 'field names are text');
      }
      const field = this.#path(key);
      if (!names.includes(key)) {
        const near = closest(key, names);
        throw yamlInvalid(
          at.file,
          keyLine,
          field,
          `unknown field "${key}"${near === undefined ? '' : `; did you mean "${near}"?`}`,
        );
      }
      const canonical = aliases[key] ?? key;
      const other = this.#fields.get(canonical);
      if (other) {
        throw yamlInvalid(at.file, keyLine, field, `${other.field} is given already: write one of the two`);
      }
      this.#fields.set(canonical, { file: at.file, lines: at.lines, node: pair.value, field, line: keyLine });
    }
  }

  #path(key: string): string {
    return this.#at.field === null ? key : `${this.#at.field}.${key}`;
  }

  /** The line of the mapping itself. */
  get line(): number {
    return this.#at.line;
  }

  has(name: string): boolean {
    const at = this.#fields.get(name);
    return at !== undefined && !(isScalar(at.node) && at.node.value === null) && at.node !== null;
  }

  /** The field's node; a missing or empty one is an error when `required`. */
  at(name: string, required: true): Located;
  at(name: string, required?: false): Located | undefined;
  at(name: string, required = false): Located | undefined {
    if (!this.has(name)) {
      if (required) throw yamlInvalid(this.#at.file, this.#at.line, this.#path(name), 'is required');
      return undefined;
    }
    return this.#fields.get(name);
  }

  str(name: string, required: true): string;
  str(name: string, required?: false): string | undefined;
  str(name: string, required = false): string | undefined {
    const at = required ? this.at(name, true) : this.at(name);
    if (!at) return undefined;
    if (!isScalar(at.node) || typeof at.node.value !== 'string') throw wrongType(at, 'text');
    return at.node.value;
  }

  bool(name: string): boolean | undefined {
    const at = this.at(name);
    if (!at) return undefined;
    if (!isScalar(at.node) || typeof at.node.value !== 'boolean') throw wrongType(at, 'true or false');
    return at.node.value;
  }

  /** One of `values`, compared without case when `anyCase` (then given in the values' case). */
  oneOf<T extends string>(name: string, values: readonly T[], anyCase = false): T | undefined {
    const text = this.str(name);
    if (text === undefined) return undefined;
    const found = values.find((v) => (anyCase ? v.toLowerCase() === text.toLowerCase() : v === text));
    if (found === undefined) this.fail(name, `"${text}" is not one of ${values.join(', ')}`);
    return found;
  }

  /** Milliseconds from `500ms`, `30s`, `2m`, `1h` or a number of seconds. */
  duration(name: string): number | undefined {
    const at = this.at(name);
    if (!at) return undefined;
    const value = isScalar(at.node) ? at.node.value : undefined;
    if (typeof value !== 'string' && typeof value !== 'number') throw wrongType(at, 'a duration');
    const ms = parseDuration(value);
    if (ms === undefined || ms < 1 || ms > 86_400_000) {
      this.fail(
        name,
        `"${value}" is not a duration: write 500ms, 30s, 2m or a number of seconds (up to 24h)`,
      );
    }
    return ms;
  }

  /** An error at the field (or at the mapping when the field is absent). */
  fail(name: string, message: string): never {
    const at = this.#fields.get(name);
    throw yamlInvalid(this.#at.file, at?.line ?? this.#at.line, this.#path(name), message);
  }
}

/** The items of a list field, each located. */
export function listItems(at: Located): Located[] {
  if (!isSeq(at.node)) throw wrongType(at, 'a list');
  return at.node.items.map((item, i) => ({
    file: at.file,
    lines: at.lines,
    node: item as Node | null,
    field: `${at.field ?? ''}[${i}]`,
    line: lineOf(at.lines, item as Node | null, at.line),
  }));
}
