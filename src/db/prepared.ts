// The hot statements (send, history, a feed's position, a room check) as named prepared statements
// on the pg pool behind the ORM: PostgreSQL parses and plans each once per connection, and values
// travel as parameters. The ORM's own execute() inlines every value into new SQL text, which
// PostgreSQL then parses and plans again on every call.
// They run outside any ORM transaction: a store uses them only where it runs one statement alone.
import type { EntityManager, MikroORM, PostgreSqlConnection } from '@mikro-orm/postgresql';
import type { QueryResultRow } from 'pg';

export interface PreparedStatement {
  /** Unique per text: pg prepares a name once per connection. */
  readonly name: string;
  /** SQL with $1, $2 ... placeholders. */
  readonly text: string;
}

/** Configurations (one per ORM) that run these statements as the ORM's plain queries. */
const plainQueriesOnly = new WeakSet<object>();

/**
 * Embedded PGlite (served by pglite-socket) keeps one session for the connections its pool opens one
 * after another, so a name prepared on an earlier connection clashes on the next, and an error
 * inside the extended protocol (a unique violation) drops the connection. There the statements run
 * as the ORM's simple queries, values inlined, as every other statement does.
 */
export function usePlainQueries(orm: MikroORM): void {
  plainQueriesOnly.add(orm.config);
}

/** `$1 ... $n` as the ORM's `?` placeholders, with each value repeated where its number is. */
function asPlainQuery(statement: PreparedStatement, values: readonly unknown[]): [string, unknown[]] {
  const inline: unknown[] = [];
  const sql = statement.text.replace(/\$(\d+)/g, (_, index: string) => {
    inline.push(values[Number(index) - 1]);
    return '?';
  });
  return [sql, inline];
}

export async function runPrepared<T extends QueryResultRow>(
  em: EntityManager,
  statement: PreparedStatement,
  values: readonly unknown[],
): Promise<T[]> {
  if (plainQueriesOnly.has(em.config)) return em.execute<T[]>(...asPlainQuery(statement, values));
  const pool = await (em.getConnection() as PostgreSqlConnection).getNativeClient();
  const result = await pool.query<T>({ name: statement.name, text: statement.text, values: [...values] });
  return result.rows;
}
