// System files: one YAML file per system, in Berth's shape (`system:` and `components:`) or
// BlueKing's ESB shape (the file is a list of components; the system is the file name upper-cased).
// Parsing is pure and checks everything a declaration must meet, per file and across the file set;
// renderSystemFile (system-render.ts) writes Berth's canonical shape back. docs/apigw.md shows both.
import {
  APIGW_BUILTIN_SYSTEM,
  APIGW_DEST_METHODS,
  APIGW_METHODS,
  APIGW_PERM_LEVELS,
  APIGW_TYPES,
  type ApigwDest,
  type ApigwSystem,
  ENV_NAMES,
} from '@berth/sdk';
import { isSeq, LineCounter } from 'yaml';
import { BerthError } from '../errors.ts';
import {
  appCodeProblem,
  componentNameProblem,
  componentPathProblem,
  type DeclaredComponent,
  destPathProblem,
  isReservedSystem,
  parseDestPath,
  parseRateLimit,
  pathShape,
  type SystemDeclaration,
  systemNameProblem,
} from './model.ts';
import {
  type Located,
  listItems,
  MapReader,
  parseYaml,
  type YamlErrorDetails,
  yamlInvalid,
} from './yaml-reader.ts';

export { renderSystemFile, systemFileName } from './system-render.ts';

export interface SystemFile {
  /** The file's name (no directory), ending in .yaml or .yml. */
  name: string;
  text: string;
}

export interface ParsedSystemFile extends SystemDeclaration {
  file: string;
  shape: 'berth' | 'blueking';
  /** The line that names the system (1 for BlueKing's shape: the file's name does). */
  systemLine: number;
  /** The line of each component, in order (errors that name two files point at both). */
  componentLines: number[];
}

const SYSTEM_FIELDS = ['name', 'label', 'owner', 'timeout', 'docs'] as const;
const SYSTEM_ALIASES = { owner_app: 'owner' };
const COMPONENT_FIELDS = [
  'name',
  'label',
  'label_en',
  'comp_codename',
  'path',
  'method',
  'dest',
  'dest_path',
  'dest_http_method',
  'type',
  'perm_level',
  'timeout',
  'rate_limit',
  'hidden',
  'docs',
] as const;
/** BlueKing's spellings. */
const COMPONENT_ALIASES = { is_hidden: 'hidden', api_type: 'type' };
const DEST_FIELDS = ['app', 'env', 'path'] as const;

const EXTENSION = /\.ya?ml$/;

/** `bk_sops_ce.yaml` → `BK_SOPS_CE`: a BlueKing file's system. */
export function systemOfFileName(file: string): string {
  return file.replace(EXTENSION, '').toUpperCase();
}

function checked(r: MapReader, name: string, problem: (value: string) => string | undefined, value: string) {
  const wrong = problem(value);
  if (wrong !== undefined) r.fail(name, wrong);
  return value;
}

function readDest(r: MapReader): ApigwDest {
  const at = r.at('dest');
  const destPath = r.str('dest_path');
  if (at && destPath !== undefined) r.fail('dest_path', 'give dest or dest_path, not both');
  if (destPath !== undefined) {
    const dest = parseDestPath(destPath);
    if (!dest) {
      r.fail('dest_path', `"${destPath}" is not /o/{app}/path (prod) or /t/{app}/path (stag)`);
    }
    checked(r, 'dest_path', appCodeProblem, dest.app);
    checked(r, 'dest_path', destPathProblem, dest.path);
    return dest;
  }
  if (!at) r.fail('dest', 'is required: dest: {app, env, path} or dest_path: /o/{app}/path');
  const d = new MapReader(at, DEST_FIELDS);
  return {
    app: checked(d, 'app', appCodeProblem, d.str('app', true)),
    env: d.oneOf('env', ENV_NAMES) ?? d.fail('env', 'is required (stag or prod)'),
    path: checked(d, 'path', destPathProblem, d.str('path', true)),
  };
}

function readComponent(at: Located, system: string): DeclaredComponent {
  const r = new MapReader(at, COMPONENT_FIELDS, COMPONENT_ALIASES);
  const name = checked(r, 'name', componentNameProblem, r.str('name', true));
  const component: DeclaredComponent = {
    system,
    name,
    label: r.str('label', true),
    path: checked(r, 'path', componentPathProblem, r.str('path', true)),
    method: r.oneOf('method', APIGW_METHODS, true) ?? 'ANY',
    dest: readDest(r),
    type: r.oneOf('type', APIGW_TYPES) ?? 'query',
    permLevel: r.oneOf('perm_level', APIGW_PERM_LEVELS) ?? 'normal',
    hidden: r.bool('hidden') ?? false,
  };
  const labelEn = r.str('label_en');
  if (labelEn !== undefined) component.labelEn = labelEn;
  const codename = r.str('comp_codename');
  if (codename !== undefined) component.compCodename = codename;
  const destMethod = r.oneOf('dest_http_method', APIGW_DEST_METHODS, true);
  if (destMethod !== undefined) component.destHttpMethod = destMethod;
  const timeoutMs = r.duration('timeout');
  if (timeoutMs !== undefined) component.timeoutMs = timeoutMs;
  const rate = r.str('rate_limit');
  if (rate !== undefined) {
    component.rateLimit =
      parseRateLimit(rate) ?? r.fail('rate_limit', `"${rate}" is not a rate: write N/s, N/min, N/h or N/d`);
  }
  const docs = r.str('docs');
  if (docs !== undefined) component.docs = docs;
  return component;
}

/** A file that declares the built-in system (`berth`, any case): refused with its own code, and
 *  where, as APIGW_YAML_INVALID says it. */
function systemReserved(file: string, line: number, field: string | null, name: string): BerthError {
  const details: YamlErrorDetails & { system: string } = { file, line, field, system: name };
  return new BerthError(
    'APIGW_SYSTEM_RESERVED',
    `${file}:${line}${field === null ? '' : ` (${field})`}: the system ${name} is built into berthd (${APIGW_BUILTIN_SYSTEM}); no file declares it`,
    details,
  );
}

/** The system and the line of its name. */
function readSystem(at: Located): [ApigwSystem, number] {
  const r = new MapReader(at, SYSTEM_FIELDS, SYSTEM_ALIASES);
  const name = checked(r, 'name', systemNameProblem, r.str('name', true));
  if (isReservedSystem(name)) throw systemReserved(at.file, r.at('name', true).line, 'system.name', name);
  const system: ApigwSystem = {
    name,
    label: r.str('label', true),
  };
  const owner = r.str('owner');
  if (owner !== undefined) system.owner = checked(r, 'owner', appCodeProblem, owner);
  const timeoutMs = r.duration('timeout');
  if (timeoutMs !== undefined) system.timeoutMs = timeoutMs;
  const docs = r.str('docs');
  if (docs !== undefined) system.docs = docs;
  return [system, r.at('name', true).line];
}

/** How errors name the i-th component of a file. */
function componentField(shape: ParsedSystemFile['shape'], i: number): string {
  return shape === 'berth' ? `components[${i}]` : `[${i}]`;
}

function checkFileName(name: string): void {
  if (!EXTENSION.test(name) || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
    throw yamlInvalid(name, 1, null, 'a system file is named NAME.yaml or NAME.yml (no directory)');
  }
}

/** One file, checked on its own (names and paths unique inside it). */
export function parseSystemFile(input: SystemFile): ParsedSystemFile {
  const file = input.name;
  checkFileName(file);
  const lines = new LineCounter();
  const root = parseYaml(file, input.text, lines);
  const top: Located = { file, lines, node: root, field: null, line: 1 };
  if (root === null) throw yamlInvalid(file, 1, null, 'the file is empty: write system: and components:');
  let system: ApigwSystem;
  let items: Located[];
  let shape: ParsedSystemFile['shape'];
  let systemLine = 1;
  if (isSeq(root)) {
    // BlueKing's shape: a list of components; the system is the file's name.
    shape = 'blueking';
    const name = systemOfFileName(file);
    const wrong = systemNameProblem(name);
    if (wrong !== undefined) throw yamlInvalid(file, 1, null, `the file name gives the system ${wrong}`);
    if (isReservedSystem(name)) throw systemReserved(file, 1, null, name);
    system = { name, label: name };
    items = listItems(top);
  } else {
    shape = 'berth';
    const r = new MapReader(top, ['system', 'components']);
    [system, systemLine] = readSystem(r.at('system', true));
    const list = r.at('components');
    items = list ? listItems(list) : [];
  }
  // The built-in system's file name is refused too, whatever system a Berth-shaped file names: export
  // never writes it, and a directory holding it is not one export could have written.
  if (isReservedSystem(systemOfFileName(file))) throw systemReserved(file, 1, null, systemOfFileName(file));
  const components = items.map((item) => readComponent(item, system.name));
  const componentLines = items.map((item) => item.line);
  const names = new Map<string, number>();
  const routes = new Map<string, number>();
  for (const [i, c] of components.entries()) {
    const field = componentField(shape, i);
    const line = componentLines[i]!;
    const sameName = names.get(c.name);
    if (sameName !== undefined) {
      throw yamlInvalid(
        file,
        line,
        `${field}.name`,
        `the component "${c.name}" is declared already at line ${sameName}`,
      );
    }
    names.set(c.name, line);
    const route = `${c.method} ${pathShape(c.path)}`;
    const sameRoute = routes.get(route);
    if (sameRoute !== undefined) {
      throw yamlInvalid(
        file,
        line,
        `${field}.path`,
        `${c.method} ${c.path} is declared already at line ${sameRoute}`,
      );
    }
    routes.set(route, line);
  }
  return { file, shape, systemLine, system, components, componentLines };
}

/** A whole directory of files: each parsed, then one system per file and every (path, method)
 *  once across all of them (the call route /api/c/compapi/{path} has one namespace). */
export function parseSystemFiles(inputs: readonly SystemFile[]): ParsedSystemFile[] {
  const parsed = inputs.map(parseSystemFile);
  const files = new Map<string, string>();
  const systems = new Map<string, ParsedSystemFile>();
  const routes = new Map<string, { file: string; line: number }>();
  for (const p of parsed) {
    const sameFile = files.get(p.file);
    if (sameFile !== undefined) throw yamlInvalid(p.file, 1, null, 'two files have this name');
    files.set(p.file, p.file);
    const other = systems.get(p.system.name);
    if (other) {
      throw yamlInvalid(
        p.file,
        1,
        'system.name',
        `the system ${p.system.name} is declared in ${other.file} too`,
      );
    }
    systems.set(p.system.name, p);
    for (const [i, c] of p.components.entries()) {
      const route = `${c.method} ${pathShape(c.path)}`;
      const line = p.componentLines[i]!;
      const first = routes.get(route);
      if (first) {
        throw yamlInvalid(
          p.file,
          line,
          `${componentField(p.shape, i)}.path`,
          `${c.method} ${c.path} is declared in ${first.file} (line ${first.line}) too: a path and method answer one component`,
        );
      }
      routes.set(route, { file: p.file, line });
    }
  }
  return parsed;
}
