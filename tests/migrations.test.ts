// Upgrades of a database that already holds data: what each migration does to the rows it finds.
import { randomUUID } from 'node:crypto';
import { MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { Client } from 'pg';
import { migrationsList } from '../migrations/index.ts';
import { entities } from '../src/db/entities/index.ts';
import { databaseUrl, describeWithPostgres } from './helpers/env.ts';

/** A fresh database migrated up to `to`; `fill` writes rows there; then the remaining migrations run. */
async function upgradeWith<T>(to: string, fill: (client: Client) => Promise<void>, check: (client: Client) => Promise<T>): Promise<T> {
  const name = `chat_upgrade_${randomUUID().slice(0, 8)}`;
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(databaseUrl!);
  url.pathname = `/${name}`;
  const orm = await MikroORM.init({
    clientUrl: url.toString(),
    entities,
    extensions: [Migrator],
    migrations: { migrationsList, snapshot: false, silent: true },
    debug: false,
  });
  const client = new Client({ connectionString: url.toString() });
  try {
    await client.connect();
    await orm.migrator.up({ to });
    await fill(client);
    await orm.migrator.up();
    return await check(client);
  } finally {
    await client.end();
    await orm.close(true);
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

describeWithPostgres('the memberships migration', () => {
  it("makes a group room's creator OWNER, everyone else MEMBER, and marks every stored message read", async () => {
    const rows = await upgradeWith(
      'Migration20261125120000_initial',
      async (client) => {
        await client.query(`insert into users (id) values ('ann'), ('ben'), ('cat')`);
        await client.query(`
          insert into rooms (id, kind, direct_low, direct_high, created_by, last_seq, created_at) values
            ('00000000-0000-4000-8000-000000000001', 'GROUP', null, null, 'ben', 7, '2026-01-01T00:00:00Z'),
            ('00000000-0000-4000-8000-000000000002', 'DIRECT', 'ann', 'ben', 'ann', 0, '2026-01-02T00:00:00Z')`);
        await client.query(`
          insert into room_members (room_id, user_id, joined_at) values
            ('00000000-0000-4000-8000-000000000001', 'ann', '2026-01-01T00:00:00Z'),
            ('00000000-0000-4000-8000-000000000001', 'ben', '2026-01-01T00:00:00Z'),
            ('00000000-0000-4000-8000-000000000001', 'cat', '2026-01-01T00:00:00Z'),
            ('00000000-0000-4000-8000-000000000002', 'ann', '2026-01-02T00:00:00Z'),
            ('00000000-0000-4000-8000-000000000002', 'ben', '2026-01-02T00:00:00Z')`);
      },
      async (client) =>
        (
          await client.query(`
            select right(room_id::text, 1) as room, user_id as "user", role, last_read_seq as "lastReadSeq",
              joined_at = r.created_at as "joinedWithRoom"
            from room_members join rooms r on r.id = room_id order by room, user_id`)
        ).rows,
    );
    expect(rows).toEqual([
      { room: '1', user: 'ann', role: 'MEMBER', lastReadSeq: 7, joinedWithRoom: true },
      { room: '1', user: 'ben', role: 'OWNER', lastReadSeq: 7, joinedWithRoom: true },
      { room: '1', user: 'cat', role: 'MEMBER', lastReadSeq: 7, joinedWithRoom: true },
      { room: '2', user: 'ann', role: 'MEMBER', lastReadSeq: 0, joinedWithRoom: true },
      { room: '2', user: 'ben', role: 'MEMBER', lastReadSeq: 0, joinedWithRoom: true },
    ]);
  });
});
