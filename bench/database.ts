// The bench's own database: created fresh for a run, migrated for the service (by the service's own
// migrate script, as an operator would), given the baseline's schema, and dropped at the end.
import { spawn } from 'node:child_process';
import pg from 'pg';
import { BASELINE_SCHEMA_SQL } from './baseline-schema.ts';
import { projectRoot } from './targets.ts';

export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(adminUrl: string, tag: string): Promise<BenchDatabase> {
  const name = `bench_${tag}`;
  await withClient(adminUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withClient(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/** `node scripts/migrate.ts` against the bench database. */
export async function migrateService(databaseUrl: string): Promise<void> {
  const child = spawn(process.execPath, ['scripts/migrate.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`service migrations failed (exit ${code}):\n${output}`);
}

export async function createBaselineSchema(databaseUrl: string): Promise<void> {
  await withClient(databaseUrl, async (client) => {
    await client.query('begin');
    await client.query(BASELINE_SCHEMA_SQL);
    await client.query('commit');
  });
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
