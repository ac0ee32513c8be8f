// Small conversions at the SQL boundary, shared by the stores.
import pg from 'pg';

/** PostgreSQL's unique_violation, however the driver wrapped it. */
export function isUniqueViolation(error: unknown): boolean {
  const candidate = error as { code?: unknown; cause?: { code?: unknown } } | null;
  return candidate?.code === '23505' || candidate?.cause?.code === '23505' || (error instanceof Error && error.name === 'UniqueConstraintViolationException');
}

/** PostgreSQL chose this transaction to break a deadlock (40P01): it rolled back and may run again. */
export function isDeadlock(error: unknown): boolean {
  const candidate = error as { code?: unknown; cause?: { code?: unknown } } | null;
  return candidate?.code === '40P01' || candidate?.cause?.code === '40P01' || (error instanceof Error && error.name === 'DeadlockException');
}

/**
 * PostgreSQL answered the statement with an error, so it did not commit (every hot statement runs
 * alone, in a transaction of its own). A lost connection is not that: the statement may have committed.
 */
export function refusedByServer(error: unknown): boolean {
  return error instanceof pg.DatabaseError;
}

/**
 * A timestamptz column formatted by PostgreSQL as Date#toISOString writes it (UTC, milliseconds):
 * rows then carry the strings clients get, and no date is parsed or formatted in JavaScript.
 */
export const isoTimestamp = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** `?, ?, ?` for a list of parameters (never empty: callers pass at least one). */
export function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}
