// Small conversions at the SQL boundary, shared by the stores.

/** PostgreSQL's unique_violation, however the driver wrapped it. */
export function isUniqueViolation(error: unknown): boolean {
  const candidate = error as { code?: unknown; cause?: { code?: unknown } } | null;
  return candidate?.code === '23505' || candidate?.cause?.code === '23505' || (error instanceof Error && error.name === 'UniqueConstraintViolationException');
}

export function toIso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** `?, ?, ?` for a list of parameters (never empty: callers pass at least one). */
export function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}
