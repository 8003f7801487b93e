// Turns the first schema violation into one clear sentence with the field's path. TypeBox says
// "Expected union value" for any union; here the union member that fits the value's type is
// checked instead, so `count: "two"` reads "must be an integer", not "expected union value".
import type { TSchema } from '@sinclair/typebox';
import { Value, type ValueError, ValueErrorType } from '@sinclair/typebox/value';
import type { FieldPath } from './manifest-error.ts';

export interface SchemaProblem {
  path: FieldPath;
  message: string;
}

export function firstSchemaProblem(schema: TSchema, value: unknown): SchemaProblem | undefined {
  return problem(schema, value, [], '');
}

function problem(
  schema: TSchema,
  value: unknown,
  base: FieldPath,
  inherited: string,
): SchemaProblem | undefined {
  const error = Value.Errors(schema, value).First();
  if (!error) return undefined;
  const path = [...base, ...pointerSegments(error.path)];
  if (error.type === ValueErrorType.Union) {
    const members = (error.schema['anyOf'] ?? []) as TSchema[];
    if (members.length > 0 && members.every((m) => m['const'] !== undefined)) {
      return { path, message: `must be one of: ${members.map((m) => String(m['const'])).join(', ')}` };
    }
    const fitting = members.filter((m) => fits(m, error.value));
    if (fitting.length === 1) {
      const inner = problem(fitting[0]!, error.value, path, hint(error.schema) || inherited);
      return inner ?? { path, message: 'is not valid' };
    }
    return { path, message: `must be ${orList(members.flatMap(typeNames))}${hint(error.schema)}` };
  }
  return { path, message: describe(error, path, inherited) };
}

function describe(error: ValueError, path: FieldPath, inherited: string): string {
  const schema = error.schema;
  const why = hint(schema) || inherited;
  switch (error.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const key = path[path.length - 1];
      if (schema['patternProperties']) {
        return `"${String(key)}" is not an allowed name here${why}`;
      }
      const allowed = Object.keys((schema['properties'] ?? {}) as object);
      return `unknown field${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}`;
    }
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.ArrayMinItems:
      return schema['minItems'] === 1
        ? 'must not be empty'
        : `must have at least ${schema['minItems']} items`;
    case ValueErrorType.ArrayMaxItems:
      return `must have at most ${schema['maxItems']} items`;
    case ValueErrorType.StringMinLength:
      return schema['minLength'] === 1
        ? 'must not be empty'
        : `must be at least ${schema['minLength']} characters`;
    case ValueErrorType.StringMaxLength:
      return `must be at most ${schema['maxLength']} characters`;
    case ValueErrorType.ObjectMaxProperties:
      return `must have at most ${schema['maxProperties']} entries`;
    case ValueErrorType.NumberMinimum:
    case ValueErrorType.IntegerMinimum:
      return `must be at least ${schema['minimum']}`;
    case ValueErrorType.NumberMaximum:
    case ValueErrorType.IntegerMaximum:
      return `must be at most ${schema['maximum']}`;
    case ValueErrorType.NumberExclusiveMinimum:
    case ValueErrorType.IntegerExclusiveMinimum:
      return `must be greater than ${schema['exclusiveMinimum']}`;
    case ValueErrorType.StringPattern:
      return `is not valid${why}`;
    case ValueErrorType.String:
    case ValueErrorType.Number:
    case ValueErrorType.Integer:
    case ValueErrorType.Boolean:
    case ValueErrorType.Object:
    case ValueErrorType.Array:
      return `must be ${orList(typeNames(schema))}${why}`;
    default:
      return lowerFirst(error.message);
  }
}

function hint(schema: TSchema): string {
  const description = schema['description'];
  return typeof description === 'string' ? ` (${description.replace(/\.$/, '')})` : '';
}

function fits(schema: TSchema, value: unknown): boolean {
  if (Array.isArray(schema['anyOf'])) return (schema['anyOf'] as TSchema[]).some((m) => fits(m, value));
  switch (schema['type']) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return false;
  }
}

function typeNames(schema: TSchema): string[] {
  if (Array.isArray(schema['anyOf'])) return (schema['anyOf'] as TSchema[]).flatMap(typeNames);
  return [typeName(schema)];
}

function typeName(schema: TSchema): string {
  switch (schema['type']) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'integer':
      return 'a whole number';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    default:
      return 'a valid value';
  }
}

function pointerSegments(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function orList(items: string[]): string {
  return items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
