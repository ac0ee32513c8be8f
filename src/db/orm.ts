// The ORM for a configuration: real PostgreSQL at DATABASE_URL, or embedded PGlite when it is unset.
import { MikroORM, type PostgreSqlConnection } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Config } from '../config.ts';
import { migrationsList } from '../../migrations/index.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { entities } from './entities/index.ts';
import { createBatcher } from './batcher.ts';
import { SEND_BATCHING, storeMessages, type NewMessage, type StoreResult } from './messages-store.ts';
import { createStatementRunner, type RunStatement, type RunTransaction } from './prepared.ts';

export interface Database {
  readonly orm: MikroORM;
  readonly embedded: boolean;
  /** Runs the hot statements (prepared.ts). */
  readonly run: RunStatement;
  /** Runs statements in one transaction on one pooled connection (prepared.ts): a room's creation and changes. */
  readonly transaction: RunTransaction;
  /** Stores a send; under load, sends waiting together are stored in one statement (batcher.ts). */
  readonly storeMessage: (message: NewMessage) => Promise<StoreResult>;
  /** Applies pending migrations; several instances may call it at once. */
  migrate(): Promise<string[]>;
  /** True when a trivial query answers. */
  ping(): Promise<boolean>;
  stop(): Promise<void>;
}

/**
 * The pool's size on real PostgreSQL. Its connections are kept open (min = max): pg-pool closes a
 * connection idle for 10 s above `min`, and a pool emptied by a quiet spell opened, authenticated and
 * re-prepared its statements on up to 10 new connections under the next burst, while sends queued
 * behind them (a p99 of 160 to 360 ms in a 2000/s step after 30 s of quiet, 20 to 40 ms otherwise).
 */
const POOL_SIZE = 10;
/**
 * Embedded PGlite has one connection, and runs statements with their values inlined (prepared.ts),
 * which the batch statement's arrays are not: there a send is stored alone.
 */
const UNBATCHED_SENDS = { ...SEND_BATCHING, maxInFlight: 1, maxBatch: 1 };

export async function createDatabase(config: Config): Promise<Database> {
  const embedded = config.databaseUrl === undefined ? await startEmbeddedPostgres(config.pgliteDir) : undefined;
  const orm = await MikroORM.init({
    clientUrl: embedded?.url ?? config.databaseUrl,
    entities,
    extensions: [Migrator],
    migrations: { migrationsList, snapshot: false, silent: true },
    // PGlite serves one session; every transaction must then run on that one connection.
    pool: embedded ? { min: 1, max: 1 } : { min: POOL_SIZE, max: POOL_SIZE },
    debug: false,
    allowGlobalContext: false,
  });
  const { run, transaction } = createStatementRunner(orm, embedded !== undefined, config.limits.overload.maxQueuedStatements);
  return {
    orm,
    embedded: embedded !== undefined,
    run,
    transaction,
    storeMessage: createBatcher((messages) => storeMessages(run, messages), {
      ...(embedded ? UNBATCHED_SENDS : SEND_BATCHING),
      maxQueued: config.limits.overload.maxQueuedSends,
    }),
    async migrate() {
      return withMigrationLock(orm, embedded !== undefined, async () => {
        const applied = await orm.migrator.up();
        return applied.map((migration) => migration.name);
      });
    },
    async ping() {
      try {
        await orm.em.fork().execute('select 1');
        return true;
      } catch {
        return false;
      }
    },
    async stop() {
      await orm.close(true);
      await embedded?.stop();
    },
  };
}

/** An arbitrary, fixed key: PostgreSQL advisory lock held while one instance migrates. */
const MIGRATION_LOCK_KEY = 7_342_118_901;

/**
 * Serialises migrations across instances starting together: the first takes the advisory lock and
 * migrates, the others wait on it and then find nothing pending. PGlite has one session and one instance.
 */
async function withMigrationLock<T>(orm: MikroORM, embedded: boolean, work: () => Promise<T>): Promise<T> {
  if (embedded) return work();
  const pool = await (orm.em.getConnection() as PostgreSqlConnection).getNativeClient();
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await work();
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
