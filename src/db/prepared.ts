// The hot statements (send, history, a feed's position, a room check) as named prepared statements
// on the pg pool behind the ORM: PostgreSQL parses and plans each once per connection, and values
// travel as parameters. The ORM's own execute() inlines every value into new SQL text, which
// PostgreSQL then parses and plans again on every call. They need no entity manager (no unit of
// work, no identity map): an operation that only runs them forks none.
// They run outside any ORM transaction: a store uses them only where it runs one statement alone.
// When `maxQueued` statements already wait for a pooled connection, one more is refused at once
// (Overloaded: RATE_LIMITED with retryAfterMs) instead of joining an ever longer wait.
import type { MikroORM, PostgreSqlConnection } from '@mikro-orm/postgresql';
import type { Pool, QueryResultRow } from 'pg';
import { Overloaded } from '../errors.ts';
import { DrainRate } from '../limits/drain-rate.ts';

export interface PreparedStatement {
  /** Unique per text: pg prepares a name once per connection. */
  readonly name: string;
  /** SQL with $1, $2 ... placeholders. */
  readonly text: string;
}

/** Runs one statement and answers its rows. */
export type RunStatement = <T extends QueryResultRow>(statement: PreparedStatement, values: readonly unknown[]) => Promise<T[]>;

/** `$1 ... $n` as the ORM's `?` placeholders, with each value repeated where its number is. */
function asPlainQuery(statement: PreparedStatement, values: readonly unknown[]): [string, unknown[]] {
  const inline: unknown[] = [];
  const sql = statement.text.replace(/\$(\d+)/g, (_, index: string) => {
    inline.push(values[Number(index) - 1]);
    return '?';
  });
  return [sql, inline];
}

/**
 * Embedded PGlite (served by pglite-socket) keeps one session for the connections its pool opens one
 * after another, so a name prepared on an earlier connection clashes on the next, and an error
 * inside the extended protocol (a unique violation) drops the connection. There (`plainQueries`)
 * the statements run as the ORM's simple queries, values inlined, as every other statement does.
 */
export function createStatementRunner(orm: MikroORM, plainQueries: boolean, maxQueued: number): RunStatement {
  const connection = orm.em.getConnection() as PostgreSqlConnection;
  if (plainQueries) {
    return <T extends QueryResultRow>(statement: PreparedStatement, values: readonly unknown[]) =>
      connection.execute<T[]>(...asPlainQuery(statement, values));
  }
  const drained = new DrainRate();
  return async (statement, values) => {
    const pool = await connection.getNativeClient();
    if (pool.waitingCount >= maxQueued) {
      throw new Overloaded('statements waiting for a database connection', drained.retryAfterMs(pool.waitingCount));
    }
    try {
      return await runPrepared(pool, statement, values);
    } finally {
      drained.done(1);
    }
  };
}

/** Runs a statement as a named prepared statement on a pg pool (the bench's baseline runs its own this way). */
export async function runPrepared<T extends QueryResultRow>(pool: Pool, statement: PreparedStatement, values: readonly unknown[]): Promise<T[]> {
  const result = await pool.query<T>({ name: statement.name, text: statement.text, values: [...values] });
  return result.rows;
}
