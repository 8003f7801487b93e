// Services check their inputs against the same wire schemas the HTTP edge uses, so a caller that is
// not the API (another module, a test) meets the same rules and the same VALIDATION_FAILED.
import type { Static, TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { BerthError } from '../errors.ts';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

export function validate<T extends TSchema>(schema: T, value: unknown, where: string): Static<T> {
  let check = compiled.get(schema) as TypeCheck<T> | undefined;
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  if (check.Check(value)) return value;
  const errors = [...check.Errors(value)].slice(0, 5);
  const first = errors[0];
  throw new BerthError(
    'VALIDATION_FAILED',
    `${where}${first?.path ?? ''} ${first?.message ?? 'is invalid'}`,
    errors.map((e) => ({ path: `${where}${e.path}`, message: e.message })),
  );
}
