// Store error shapes the apps module reacts to (a candidate for store/dialect.ts).

/** True when the error is a foreign-key violation on any dialect. */
export function isForeignKeyViolation(err: unknown): boolean {
  const e = err as { code?: string; errno?: number } | undefined;
  if (!e) return false;
  return (
    e.code === '23503' || // postgres
    e.code === 'ER_NO_REFERENCED_ROW_2' ||
    e.errno === 1452 || // mysql / mariadb
    e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
  );
}
