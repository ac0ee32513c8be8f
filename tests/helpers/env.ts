// Which real services the tests run against: PostgreSQL and Redis when DATABASE_URL / REDIS_URL are
// set (CI sets both), embedded PGlite and in-process pub-sub otherwise.
export const databaseUrl = process.env.DATABASE_URL || undefined;
export const redisUrl = process.env.REDIS_URL || undefined;

/** `describe` that runs only with Redis, and says so when it is skipped. */
export function describeWithRedis(name: string, body: () => void): void {
  if (redisUrl) {
    describe(name, body);
  } else {
    describe(`${name} [SKIPPED: set REDIS_URL to run]`, () => {
      it.skip('needs Redis', () => undefined);
    });
  }
}

/** `describe` that runs only with PostgreSQL, and says so when it is skipped. */
export function describeWithPostgres(name: string, body: () => void): void {
  if (databaseUrl) {
    describe(name, body);
  } else {
    describe(`${name} [SKIPPED: set DATABASE_URL to run]`, () => {
      it.skip('needs PostgreSQL', () => undefined);
    });
  }
}
