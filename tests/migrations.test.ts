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

describeWithPostgres('the room event log migration', () => {
  it("backfills each room's log: its members ADDED by the creator (the creator first), then one MessagePosted per message in seq order", async () => {
    const group = '00000000-0000-4000-8000-000000000001';
    const direct = '00000000-0000-4000-8000-000000000002';
    const { events, rooms, messages } = await upgradeWith(
      'Migration20261207110000_memberships',
      async (client) => {
        await client.query(`insert into users (id) values ('ann'), ('ben'), ('cat')`);
        await client.query(
          `insert into rooms (id, kind, direct_low, direct_high, created_by, last_seq, created_at) values
            ($1, 'GROUP', null, null, 'ben', 3, '2026-01-01T00:00:00Z'),
            ($2, 'DIRECT', 'ann', 'ben', 'ann', 1, '2026-01-02T00:00:00Z')`,
          [group, direct],
        );
        await client.query(
          `insert into room_members (room_id, user_id, role, joined_at) values
            ($1, 'ann', 'MEMBER', '2026-01-01T00:00:00Z'), ($1, 'ben', 'OWNER', '2026-01-01T00:00:00Z'),
            ($1, 'cat', 'MEMBER', '2026-01-01T00:00:00Z'),
            ($2, 'ann', 'MEMBER', '2026-01-02T00:00:00Z'), ($2, 'ben', 'MEMBER', '2026-01-02T00:00:00Z')`,
          [group, direct],
        );
        // Inserted out of seq order: the log follows seq, not insertion.
        await client.query(
          `insert into messages (room_id, seq, sender_id, content) values
            ($1, 2, 'cat', 'two'), ($1, 1, 'ann', 'one'), ($2, 1, 'ben', 'direct one'), ($1, 3, 'ben', 'three')`,
          [group, direct],
        );
      },
      async (client) => ({
        events: (
          await client.query(`
            select right(e.room_id::text, 1) as room, e.event_seq as "eventSeq", e.kind, e.actor_id as actor,
              e.user_id as "user", e.change, e.role, m.seq
            from room_events e left join messages m on m.id = e.message_id order by room, e.event_seq`)
        ).rows,
        rooms: (await client.query('select right(id::text, 1) as room, last_event_seq as "lastEventSeq" from rooms order by room')).rows,
        messages: (await client.query('select content, event_seq as "eventSeq" from messages order by room_id, seq')).rows,
      }),
    );
    const membership = { kind: 'MembershipChanged', change: 'ADDED', seq: null };
    const posted = { kind: 'MessagePosted', user: null, change: null, role: null };
    expect(events).toEqual([
      { room: '1', eventSeq: 1, actor: 'ben', user: 'ben', role: 'OWNER', ...membership },
      { room: '1', eventSeq: 2, actor: 'ben', user: 'ann', role: 'MEMBER', ...membership },
      { room: '1', eventSeq: 3, actor: 'ben', user: 'cat', role: 'MEMBER', ...membership },
      { room: '1', eventSeq: 4, actor: 'ann', seq: 1, ...posted },
      { room: '1', eventSeq: 5, actor: 'cat', seq: 2, ...posted },
      { room: '1', eventSeq: 6, actor: 'ben', seq: 3, ...posted },
      { room: '2', eventSeq: 1, actor: 'ann', user: 'ann', role: 'MEMBER', ...membership },
      { room: '2', eventSeq: 2, actor: 'ann', user: 'ben', role: 'MEMBER', ...membership },
      { room: '2', eventSeq: 3, actor: 'ben', seq: 1, ...posted },
    ]);
    expect(rooms).toEqual([
      { room: '1', lastEventSeq: 6 },
      { room: '2', lastEventSeq: 3 },
    ]);
    expect(messages).toEqual([
      { content: 'one', eventSeq: 4 },
      { content: 'two', eventSeq: 5 },
      { content: 'three', eventSeq: 6 },
      { content: 'direct one', eventSeq: 3 },
    ]);
  });
});
