// The hot statements (send, history, a feed's position, a room check) as named prepared statements
// on the pg pool behind the ORM: PostgreSQL parses and plans each once per connection, and values
// travel as parameters. The ORM's own execute() inlines every value into new SQL text, which
// PostgreSQL then parses and plans again on every call. They need no entity manager (no unit of
// work, no identity map): an operation that only runs them forks none.
// A statement runs alone (RunStatement), or with others in one transaction on one pooled connection
// (RunTransaction): a room's creation and its changes (edits, reactions, membership), prepared too.
// When `maxQueued` statements already wait for a pooled connection, one more is refused at once
// (Overloaded: RATE_LIMITED with retryAfterMs) instead of joining an ever longer wait.
import type { EntityManager, MikroORM, PostgreSqlConnection } from '@mikro-orm/postgresql';
import type { ClientBase, Pool, QueryResultRow } from 'pg';
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

/** Runs `work` in one transaction, its statements given to it as `run`; rolled back when `work` throws. */
export type RunTransaction = <R>(work: (run: RunStatement) => Promise<R>) => Promise<R>;

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
export function createStatementRunner(orm: MikroORM, plainQueries: boolean, maxQueued: number): { run: RunStatement; transaction: RunTransaction } {
  const connection = orm.em.getConnection() as PostgreSqlConnection;
  if (plainQueries) {
    return {
      run: plainStatements(connection),
      transaction: (work) => orm.em.fork().transactional((tx) => work(plainStatements(tx))),
    };
  }
  const drained = new DrainRate();
  const pooled = async () => {
    const pool = await connection.getNativeClient();
    if (pool.waitingCount >= maxQueued) {
      throw new Overloaded('statements waiting for a database connection', drained.retryAfterMs(pool.waitingCount));
    }
    return pool;
  };
  return {
    async run(statement, values) {
      const pool = await pooled();
      try {
        return await runPrepared(pool, statement, values);
      } finally {
        drained.done(1);
      }
    },
    async transaction(work) {
      const client = await (await pooled()).connect();
      let broken: Error | undefined;
      try {
        await client.query('begin');
        const result = await work((statement, values) => runPrepared(client, statement, values));
        await client.query('commit');
        return result;
      } catch (error) {
        // A connection that cannot even roll back is not given back to the pool.
        await client.query('rollback').catch((rollbackError: unknown) => (broken = rollbackError as Error));
        throw error;
      } finally {
        client.release(broken);
        drained.done(1);
      }
    },
  };
}

/** Statements run as the ORM's plain queries, values inlined (embedded PGlite). */
function plainStatements(executor: PostgreSqlConnection | EntityManager): RunStatement {
  return <T extends QueryResultRow>(statement: PreparedStatement, values: readonly unknown[]) => executor.execute<T[]>(...asPlainQuery(statement, values));
}

/** Runs a statement as a named prepared statement on a pg pool or client (the bench's baseline runs its own this way). */
export async function runPrepared<T extends QueryResultRow>(pool: Pool | ClientBase, statement: PreparedStatement, values: readonly unknown[]): Promise<T[]> {
  const result = await pool.query<T>({ name: statement.name, text: statement.text, values: [...values] });
  return result.rows;
}
