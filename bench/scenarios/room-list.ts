// The room list a client opens with: one user in many rooms of a large database, with unread
// messages in half of them, asks for all of them with unread counts, read positions, memberships and
// last messages, in a closed loop (one socket: the latency one user's list has). The service alone:
// the baseline keeps no read state. The seed records EXPLAIN ANALYZE of the list's statements, and of
// counting the unread messages over the (room_id, seq) index instead (the alternative
// read-state-store.ts weighs).
import { createClient, type Client } from 'graphql-ws';
import type pg from 'pg';
import WebSocket from 'ws';
import { Samples } from '../latency.ts';
import { cpuWindow } from '../proc-stats.ts';
import { seedHistory, seedRooms } from '../seed.ts';
import { roomId, userId, type RoomListPlan, type RoomSeed } from '../spec.ts';
import { tokenMinter } from '../tokens.ts';
import type { Scenario } from './scenario.ts';

export const ROOM_LIST = `query($first: Int) {
  rooms(first: $first) {
    edges { node { id unreadCount lastReadSeq memberships { user { name } lastReadSeq } lastMessage { seq content senderName } } }
  }
}`;

const reader = (tag: string) => userId(tag, 'room-list', 'reader');
/** Even rooms direct, odd rooms groups of five; messages come from the second member. */
const listRooms = (tag: string, count: number): RoomSeed[] =>
  Array.from({ length: count }, (_, i) => ({
    id: roomId(tag, 'room-list', i),
    kind: i % 2 ? 'GROUP' : 'DIRECT',
    members: [reader(tag), ...Array.from({ length: i % 2 ? 4 : 1 }, (_, k) => userId(tag, 'room-list', `${i}-${k}`))],
  }));

export const roomList: Scenario = {
  describe: ({ roomList: plan }) =>
    `one user in ${plan.rooms} rooms of ${(plan.rooms * plan.perRoom).toLocaleString('en')} messages, ${plan.unreadPerRoom.toLocaleString('en')} ` +
    `unread in each of half of them; ${plan.concurrency} sockets ask for all ${plan.rooms} with counts, positions, memberships and ` +
    `last messages (closed loop) for ${plan.seconds} s; the service only`,
  async seed(pool, tag, plan) {
    const { rooms, perRoom } = plan.roomList;
    const seeded = listRooms(tag, rooms);
    const started = performance.now();
    await seedRooms(pool, 'public', seeded);
    await seedHistory(pool, 'public', seeded, perRoom);
    await seedReadPositions(pool, tag, seeded, plan.roomList);
    const seedSeconds = Math.round((performance.now() - started) / 100) / 10;
    return { rows: rooms * perRoom, seedSeconds, explain: await explainRoomList(pool, reader(tag), seeded.map((room) => room.id)) };
  },
  async drive(spec, log) {
    if (spec.system !== 'service') return { skipped: 'the baseline keeps no read state' };
    const plan = spec.plan.roomList;
    const token = await tokenMinter(spec.secret)(reader(spec.tag));
    const clients = Array.from({ length: plan.concurrency }, () =>
      createClient({ url: spec.wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 }),
    );
    try {
      await listFor(clients, plan, plan.warmSeconds, new Samples());
      const samples = new Samples();
      const cpu = cpuWindow(spec.serverPid);
      const { lists, errors, wrong } = await listFor(clients, plan, plan.seconds, samples);
      const cpuUsed = cpu();
      const latencyMs = samples.summary();
      log(`${lists} lists, p50 ${latencyMs.p50} ms, p99 ${latencyMs.p99} ms, errors ${errors}, wrong counts ${wrong}`);
      return { lists, listsPerSecond: Math.round(lists / plan.seconds), errors, wrong, latencyMs, cpu: cpuUsed };
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  },
};

/**
 * The reader has read the rooms of even index to their end, and those of odd index up to
 * `unreadPerRoom` messages before it; each sender has read to the end (their sends moved them),
 * the other members to the middle.
 */
async function seedReadPositions(pool: pg.Pool, tag: string, rooms: RoomSeed[], plan: RoomListPlan): Promise<void> {
  await pool.query(
    `update room_members m set last_read_seq = case
       when m.user_id = $2 then case when (r.ord - 1) % 2 = 1 then $3::int - $4::int else $3::int end
       when m.user_id = r.sender then $3::int
       else $3::int / 2 end
     from unnest($1::uuid[], $5::text[]) with ordinality as r(id, sender, ord)
     where m.room_id = r.id`,
    [rooms.map((room) => room.id), reader(tag), plan.perRoom, plan.unreadPerRoom, rooms.map((room) => room.members[1]!)],
  );
  await pool.query('analyze room_members');
}

/** Answers of the list that the seed makes exact: the unread counts of the rooms. */
const expectedUnread = (plan: RoomListPlan) => (index: number) => (index % 2 === 1 ? plan.unreadPerRoom : 0);

interface RoomList {
  rooms: { edges: { node: { id: string; unreadCount: number } }[] };
}

async function listFor(clients: Client[], plan: RoomListPlan, seconds: number, samples: Samples) {
  const until = performance.now() + seconds * 1000;
  let lists = 0;
  let errors = 0;
  let wrong = 0;
  const expected = expectedUnread(plan);
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < until) {
        const started = performance.now();
        try {
          const answer = await client.iterate<RoomList>({ query: ROOM_LIST, variables: { first: plan.rooms } }).next();
          samples.add(performance.now() - started);
          const edges: RoomList['rooms']['edges'] | undefined = answer.value?.data?.rooms.edges;
          if (!edges) throw new Error('no data');
          lists++;
          // A room's index is the end of its id (spec.ts roomId).
          const exact = edges.every((edge) => edge.node.unreadCount === expected(Number.parseInt(edge.node.id.slice(-10), 16)));
          if (edges.length !== plan.rooms || !exact) wrong++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { lists, errors, wrong };
}

/**
 * EXPLAIN ANALYZE of what the list runs on its rooms (as rooms-store.ts, read-state-store.ts and
 * messages-store.ts write them), and of the unread counts counted over the index instead.
 */
async function explainRoomList(pool: pg.Pool, user: string, rooms: string[]): Promise<Record<string, string>> {
  const statements: Record<string, [string, unknown[]]> = {
    rooms: [
      `select r.id, r.kind, r.title, r.created_at, r.last_seq, r.last_activity_at from room_members m join rooms r on r.id = m.room_id
       where m.user_id = $1 order by r.last_activity_at desc, r.id desc limit $2`,
      [user, rooms.length + 1],
    ],
    readStates: [
      `select m.room_id, m.last_read_seq, (r.last_seq - m.last_read_seq - (select count(*) from messages d
         where d.room_id = r.id and d.seq > m.last_read_seq and d.deleted_at is not null))::int as unread
       from room_members m join rooms r on r.id = m.room_id where m.user_id = $1 and m.room_id = any($2::uuid[])`,
      [user, rooms],
    ],
    memberships: [
      `select m.room_id, m.user_id, u.name, m.role, m.joined_at, m.last_read_seq from room_members m join users u on u.id = m.user_id
       where m.room_id = any($1::uuid[]) order by m.joined_at, m.user_id`,
      [rooms],
    ],
    lastMessages: [`select m.* from rooms r join messages m on m.room_id = r.id and m.seq = r.last_seq where r.id = any($1::uuid[])`, [rooms]],
    unreadCountedOverTheIndex: [
      `select m.room_id, (select count(*) from messages x where x.room_id = m.room_id and x.seq > m.last_read_seq and x.sender_id <> $1) as unread
       from room_members m where m.user_id = $1 and m.room_id = any($2::uuid[])`,
      [user, rooms],
    ],
  };
  const plans: Record<string, string> = {};
  for (const [name, [sql, values]] of Object.entries(statements)) {
    await pool.query(`explain analyze ${sql}`, values); // warm: the second run is the one recorded
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${sql}`, values);
    plans[name] = rows.map((row) => row['QUERY PLAN']).join('\n');
  }
  return plans;
}
