// An app's placement: Swarm placement constraints that decide which nodes may run its instances
// (`node.labels.zone==a`). The grammar is checked here, once, for berthd (PLACEMENT_INVALID) and the
// CLI (a usage error before any request): `{key}==|!={value}` with a key Swarm knows, label names
// and values of a few plain characters, no spaces inside. Pure, no imports: the console can use it.

/** Most constraints an app may have. */
export const MAX_PLACEMENT_CONSTRAINTS = 10;
/** Longest constraint, as given (spaces around the operator included). */
export const MAX_PLACEMENT_LENGTH = 200;

/** The keys Swarm matches a node on; `node.labels.` and `engine.labels.` take a label name after them. */
export const PLACEMENT_KEYS = [
  'node.id',
  'node.hostname',
  'node.role',
  'node.platform.os',
  'node.platform.arch',
  'node.labels.{label}',
  'engine.labels.{label}',
] as const;

const FIXED_KEYS: ReadonlySet<string> = new Set(PLACEMENT_KEYS.filter((k) => !k.endsWith('{label}')));
const LABEL_PREFIXES = ['node.labels.', 'engine.labels.'] as const;
const LABEL = /^[A-Za-z0-9._-]+$/;
const VALUE = /^[A-Za-z0-9._/:-]+$/;
const NODE_ROLES = ['manager', 'worker'];
/** A constraint split at its operator, with optional spaces (only spaces) around it and at the ends. */
const SHAPE = /^ *([^\s=!]+) *(==|!=) *([^\s=!]+) *$/;

/** What a constraint reads in the form Swarm is given (spaces around the operator removed). */
export interface PlacementConstraint {
  key: string;
  operator: '==' | '!=';
  value: string;
}

/** The constraint in its normal form, or why it is not one. */
export function parsePlacementConstraint(text: string): PlacementConstraint | { problem: string } {
  if (text.length > MAX_PLACEMENT_LENGTH) {
    return { problem: `is longer than ${MAX_PLACEMENT_LENGTH} characters` };
  }
  const shape = SHAPE.exec(text);
  if (!shape) return { problem: 'must read KEY==VALUE or KEY!=VALUE, without spaces inside key or value' };
  const [, key, operator, value] = shape as unknown as [string, string, '==' | '!=', string];
  const prefix = LABEL_PREFIXES.find((p) => key.startsWith(p));
  if (prefix) {
    if (!LABEL.test(key.slice(prefix.length))) {
      return { problem: `needs a label name of letters, digits, '.', '_' or '-' after ${prefix}` };
    }
  } else if (!FIXED_KEYS.has(key)) {
    return { problem: `has an unknown key '${key}' (one of ${PLACEMENT_KEYS.join(', ')})` };
  }
  if (!VALUE.test(value)) {
    return { problem: "needs a value of letters, digits, '.', '_', '-', '/' or ':'" };
  }
  if (key === 'node.role' && !NODE_ROLES.includes(value)) {
    return { problem: 'node.role is manager or worker' };
  }
  return { key, operator, value };
}

/** `node.labels.zone == a` → `node.labels.zone==a`; undefined when it is not a constraint. */
export function normalizePlacementConstraint(text: string): string | undefined {
  const parsed = parsePlacementConstraint(text);
  return 'problem' in parsed ? undefined : `${parsed.key}${parsed.operator}${parsed.value}`;
}

/**
 * A whole placement in normal form, or the first problem (naming the constraint). An empty list is
 * valid: the app may run on any node. The same constraint twice is refused.
 */
export function checkPlacement(list: readonly string[]): { placement: string[] } | { problem: string } {
  if (list.length > MAX_PLACEMENT_CONSTRAINTS) {
    return { problem: `at most ${MAX_PLACEMENT_CONSTRAINTS} placement constraints are allowed` };
  }
  const placement: string[] = [];
  for (const text of list) {
    const parsed = parsePlacementConstraint(text);
    if ('problem' in parsed)
      return { problem: `placement constraint '${text.slice(0, 80)}' ${parsed.problem}` };
    const normal = `${parsed.key}${parsed.operator}${parsed.value}`;
    if (placement.includes(normal)) return { problem: `placement constraint '${normal}' is given twice` };
    placement.push(normal);
  }
  return { placement };
}
