// Whether an error means "the database cannot be reached" (rather than a bad query): the answer
// clients get then says so, since retrying later will work.

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND',
  // PostgreSQL: admin/crash shutdown, cannot connect now, connection exceptions.
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006',
]);

const CONNECTION_MESSAGES = /connection terminated|connection timeout|connection error|not queryable|Connection refused/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (current.name === 'ConnectionException' || (typeof code === 'string' && CONNECTION_CODES.has(code))) return true;
    if (CONNECTION_MESSAGES.test(current.message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
