// The room event log in SQL: appending an event under the room's row lock, reading the log back
// (replays, gap-filling) with each message as it is now, and where a feed starts in it.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MembershipChange, RoomEventPayload, RoomRole } from '../pubsub/topics.ts';
import { messageColumns } from './messages-store.ts';
import type { PreparedStatement, RunStatement } from './prepared.ts';

const eventColumns = (table: string) =>
  `${table}.room_id as "roomId", ${table}.event_seq as "eventSeq", ${table}.kind, ${table}.actor_id as "actorId",
   to_char(${table}.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at,
   ${table}.user_id as "userId", ${table}.change, ${table}.role, ${table}.emoji, ${table}.added,
   (select row_to_json(current) from (select ${messageColumns('m')} from messages m where m.id = ${table}.message_id) current) as message`;

interface EventRow {
  roomId: string;
  eventSeq: number;
  kind: RoomEventPayload['kind'];
  actorId: string;
  at: string;
  userId: string | null;
  change: MembershipChange | null;
  role: RoomRole | null;
  emoji: string | null;
  added: boolean | null;
  message: (RoomEventPayload & { kind: 'MessagePosted' })['message'] | null;
}

/** A stored row as the payload clients get: the message as it is now (a deleted one is a tombstone). */
export function toEventPayload(row: EventRow): RoomEventPayload {
  const base = { roomId: row.roomId, eventSeq: row.eventSeq, actorId: row.actorId, at: row.at };
  switch (row.kind) {
    case 'MembershipChanged':
      return { ...base, kind: row.kind, userId: row.userId!, change: row.change!, role: row.role };
    case 'ReactionChanged':
      return { ...base, kind: row.kind, message: row.message!, emoji: row.emoji!, added: row.added! };
    default:
      return { ...base, kind: row.kind, message: row.message! };
  }
}

const IN_RANGE: PreparedStatement = {
  name: 'chat_room_events_in_range',
  text: `select ${eventColumns('e')} from room_events e
    where e.room_id = $1 and e.event_seq > $2 and e.event_seq < $3 order by e.event_seq limit $4`,
};

/** Events of a room with afterEventSeq < eventSeq < beforeEventSeq, oldest first, at most `limit`. */
export async function eventsInRange(
  run: RunStatement,
  roomId: string,
  afterEventSeq: number,
  beforeEventSeq: number | undefined,
  limit: number,
): Promise<RoomEventPayload[]> {
  const rows = await run<EventRow>(IN_RANGE, [roomId, afterEventSeq, beforeEventSeq ?? 2147483647, limit]);
  return rows.map(toEventPayload);
}

/**
 * Where a feed of one room starts, read in one snapshot with the viewer's membership: a member here
 * is a member at `lastEventSeq`, so the event that ends their membership, if any, comes after it
 * and reaches the feed. `eventSeqOfSeq` is the eventSeq of the message with seq `afterSeq` (capped
 * at the newest message), for messageAdded's afterSeq.
 */
const POSITION: PreparedStatement = {
  name: 'chat_room_feed_position',
  text: `select r.last_event_seq as "lastEventSeq",
      exists (select 1 from room_members m where m.room_id = r.id and m.user_id = $2) as "isMember",
      coalesce((select event_seq from messages where room_id = r.id and seq = least($3::int, r.last_seq)), 0) as "eventSeqOfSeq"
    from rooms r where r.id = $1`,
};

export interface FeedPosition {
  lastEventSeq: number;
  isMember: boolean;
  eventSeqOfSeq: number;
}

export async function feedPosition(run: RunStatement, roomId: string, userId: string, afterSeq = 0): Promise<FeedPosition | undefined> {
  const rows = await run<FeedPosition>(POSITION, [roomId, userId, afterSeq]);
  return rows[0];
}

/** Every room of the user with its newest eventSeq: where an all-rooms feed starts. */
export async function roomEventSeqsOfUser(em: EntityManager, userId: string): Promise<Map<string, number>> {
  const rows = await em.execute<{ id: string; lastEventSeq: number }[]>(
    `select r.id, r.last_event_seq as "lastEventSeq" from room_members m join rooms r on r.id = m.room_id where m.user_id = ?`,
    [userId],
  );
  return new Map(rows.map((row) => [row.id, row.lastEventSeq]));
}

/** What a change appends to the log, besides the room, its seq and the time. */
export type NewEvent =
  | { kind: 'MessageEdited' | 'MessageDeleted'; actorId: string; messageId: string }
  | { kind: 'ReactionChanged'; actorId: string; messageId: string; emoji: string; added: boolean }
  | { kind: 'MembershipChanged'; actorId: string; userId: string; change: MembershipChange; role: RoomRole | null };

const APPEND_EVENTS: PreparedStatement = {
  name: 'chat_append_events',
  text: `with bumped as (
       update rooms set last_event_seq = last_event_seq + $1 where id = $2 returning last_event_seq - $1 as base
     ), input as (
       select * from rows from (jsonb_to_recordset($3::jsonb)
         as (kind text, "actorId" text, "messageId" bigint, "userId" text, change text, role text, emoji text, added boolean))
         with ordinality as input (kind, "actorId", "messageId", "userId", change, role, emoji, added, ord)
     ), logged as (
       insert into room_events (room_id, event_seq, kind, actor_id, message_id, user_id, change, role, emoji, added)
       select $2, bumped.base + input.ord, input.kind, input."actorId", input."messageId", input."userId", input.change,
         input.role, input.emoji, input.added
       from input, bumped returning *
     )
     select ${eventColumns('logged')} from logged order by logged.event_seq`,
};

/**
 * Appends events to a room's log inside the caller's transaction (`tx`, its statements), which
 * must hold the room row's lock (lockRoom): their eventSeqs follow the room's last one with no
 * gap, in commit order. Answers them as stored, each message as it is now.
 */
export async function appendEvents(tx: RunStatement, roomId: string, events: readonly NewEvent[]): Promise<RoomEventPayload[]> {
  if (events.length === 0) return [];
  const rows = await tx<EventRow>(APPEND_EVENTS, [events.length, roomId, JSON.stringify(events)]);
  return rows.map(toEventPayload);
}
