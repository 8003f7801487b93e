// TypeBox writes a union of string literals (how the wire schemas spell fixed values: roles,
// environments, statuses) as `anyOf` of one-value enums. JSON Schema means the same by one flat
// `enum`, which is what client generators turn into an enum type; the OpenAPI document uses that.

/** A TypeBox union of string literals is `anyOf: [{enum:[a]}, {enum:[b]}]` in the document; client
 *  generators want the same thing written `enum: [a, b]`. */
function flatEnum(node: Record<string, unknown>): Record<string, unknown> | undefined {
  const members = node['anyOf'];
  if (!Array.isArray(members) || members.length < 2) return undefined;
  const values: string[] = [];
  for (const member of members as Array<Record<string, unknown>>) {
    const keys = Object.keys(member).filter((k) => k !== 'type');
    const value =
      Array.isArray(member['enum']) && member['enum'].length === 1 ? member['enum'][0] : member['const'];
    if (member['type'] !== 'string' || keys.length !== 1 || typeof value !== 'string') return undefined;
    values.push(value);
  }
  const { anyOf: _members, ...rest } = node;
  return { ...rest, type: 'string', enum: values };
}

/** Rewrites every string-literal union in the document as a flat enum (same meaning). */
export function flattenEnums(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(flattenEnums);
  if (node === null || typeof node !== 'object') return node;
  const object = node as Record<string, unknown>;
  const flat = flatEnum(object) ?? object;
  return Object.fromEntries(Object.entries(flat).map(([key, value]) => [key, flattenEnums(value)]));
}
