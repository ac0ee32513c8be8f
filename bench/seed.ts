// Puts a scenario's users, rooms and members (and the history scenario's stored messages) straight
// into a system's tables with SQL, identically for the service (schema public) and the baseline.
import type pg from 'pg';
import type { RoomSeed } from './spec.ts';

export async function seedRooms(pool: pg.Pool, schema: string, rooms: readonly RoomSeed[]): Promise<void> {
  const users = [...new Set(rooms.flatMap((room) => room.members))];
  await pool.query(
    `insert into ${schema}.users (id, name) select id, 'Bench ' || id from unnest($1::text[]) as u(id) on conflict do nothing`,
    [users],
  );
  const direct = (room: RoomSeed, side: 0 | 1) => (room.kind === 'DIRECT' ? [...room.members].sort()[side]! : null);
  await pool.query(
    `insert into ${schema}.rooms (id, kind, direct_low, direct_high, created_by)
     select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])`,
    [rooms.map((r) => r.id), rooms.map((r) => r.kind), rooms.map((r) => direct(r, 0)), rooms.map((r) => direct(r, 1)), rooms.map((r) => r.members[0]!)],
  );
  const members = rooms.flatMap((room) => room.members.map((member) => [room.id, member] as const));
  await pool.query(
    `insert into ${schema}.room_members (room_id, user_id) select * from unnest($1::uuid[], $2::text[])`,
    [members.map(([room]) => room), members.map(([, user]) => user)],
  );
}

/**
 * `perRoom` messages in each room, seq 1..perRoom, one second apart, with generate_series, and the
 * room's log of them (eventSeq = seq: the seeded rooms' logs hold no membership events).
 */
export async function seedHistory(pool: pg.Pool, schema: string, rooms: readonly RoomSeed[], perRoom: number): Promise<void> {
  await pool.query(
    `insert into ${schema}.messages (room_id, seq, event_seq, sender_id, sender_name, content, created_at)
     select r.id, s, s, r.sender, 'Bench ' || r.sender,
            'history message ' || s || ': ' || repeat('lorem ipsum ', 6),
            now() - (($2::int - s) * interval '1 second')
     from unnest($1::uuid[], $3::text[]) as r(id, sender)
     cross join generate_series(1, $2::int) as s`,
    [rooms.map((r) => r.id), perRoom, rooms.map((r) => r.members[1]!)],
  );
  await pool.query(
    `insert into ${schema}.room_events (room_id, event_seq, kind, actor_id, at, message_id)
     select room_id, event_seq, 'MessagePosted', sender_id, created_at, id from ${schema}.messages where room_id = any($1::uuid[])`,
    [rooms.map((r) => r.id)],
  );
  await pool.query(`update ${schema}.rooms set last_seq = $2, last_event_seq = $2 where id = any($1::uuid[])`, [rooms.map((r) => r.id), perRoom]);
  await pool.query(`analyze ${schema}.messages`);
  await pool.query(`analyze ${schema}.room_events`);
  await pool.query(`analyze ${schema}.rooms`);
}

/** EXPLAIN ANALYZE of the page query messagesInRange runs for `last: 50, before: <seq>` (limit 51). */
export async function explainPage(pool: pg.Pool, schema: string, roomId: string, beforeSeq: number, pageSize: number): Promise<string> {
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
    `explain (analyze, buffers)
     select id::text as id, room_id as "roomId", seq, sender_id as "senderId", sender_name as "senderName",
            content, client_message_id as "clientMessageId", created_at as "createdAt"
     from ${schema}.messages where room_id = $1 and seq > $2 and seq < $3 order by seq desc limit $4`,
    [roomId, 0, beforeSeq, pageSize + 1],
  );
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}
