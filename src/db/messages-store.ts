// Messages in SQL: the atomic send (seq, eventSeq, insert and its event in one statement) and the reads by seq.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MessagePayload } from '../pubsub/topics.ts';
import type { BatcherOptions } from './batcher.ts';
import type { PreparedStatement, RunStatement } from './prepared.ts';
import { isoTimestamp, isUniqueViolation, placeholders, refusedByServer } from './sql-values.ts';

/**
 * A message's reaction groups as JSON: each emoji in the order it was first used (group_order, kept
 * while its group has members), with its users earliest first.
 */
export const reactionsOf = (table: string) =>
  `(select coalesce(json_agg(json_build_object('emoji', g.emoji, 'count', g.n, 'userIds', g.user_ids) order by g.first), '[]'::json)
    from (select emoji, count(*)::int as n, array_agg(user_id order by id) as user_ids, min(group_order) as first
          from message_reactions where message_id = ${table}.id group by emoji) g)`;

// Dates are formatted by PostgreSQL as the payload's ISO-8601 strings (UTC, milliseconds, as
// Date#toISOString writes them): a page of history then parses and formats no dates in JavaScript.
// A message just stored has no reactions: the storing statements say so without reading any.
export const messageColumns = (table = 'messages', reactions: 'read' | 'none' = 'read') =>
  `${table}.id::text as id, ${table}.room_id as "roomId", ${table}.seq, ${table}.sender_id as "senderId",
   ${table}.sender_name as "senderName", ${table}.content, ${table}.client_message_id as "clientMessageId",
   ${isoTimestamp(`${table}.created_at`)} as "createdAt", ${table}.event_seq as "eventSeq",
   ${isoTimestamp(`${table}.edited_at`)} as "editedAt", ${isoTimestamp(`${table}.deleted_at`)} as "deletedAt",
   ${table}.reply_to_id::text as "replyToId", ${reactions === 'read' ? reactionsOf(table) : `'[]'::json`} as reactions`;

/**
 * A CTE body that moves each sender's read position to their newest message stored by the statement
 * (`sent` selects room id, sender id and that seq), in its transaction, and never back (a markRead
 * past it may have committed first). Every message of a member is then at or below their position,
 * which the unread count rests on (read-state-store.ts). No receipt: the message tells the room.
 * It updates the sender's row after the room's is locked, but the statement share-locked that row
 * before the room's: a removal waiting for the row waits for this send, and a markRead holding it
 * waits for nothing, so the order member row, then room row, still holds.
 */
const senderHasRead = (sent: string) => `update room_members m set last_read_seq = sent.seq
      from (${sent}) as sent (room_id, user_id, seq)
      where m.room_id = sent.room_id and m.user_id = sent.user_id and m.last_read_seq < sent.seq`;

/**
 * One round trip: an earlier message with the same clientMessageId, or the new one stored with the
 * room's next seq and next eventSeq, and its MessagePosted event logged. The sender's membership row
 * is share-locked before the room row: a removal (which deletes that row before it locks the room)
 * then either waits for this send or makes it find no member, never lets it in after the removal.
 */
const STORE: PreparedStatement = {
  name: 'chat_store_message',
  text: `with earlier as (
      select ${messageColumns()} from messages where room_id = $1 and sender_id = $2 and client_message_id = $5
    ), member as (
      select 1 from room_members where room_id = $1 and user_id = $2 for key share
    ), bumped as (
      update rooms set last_seq = last_seq + 1, last_event_seq = last_event_seq + 1, last_activity_at = now()
      where id = $1 and not exists (select 1 from earlier) and exists (select 1 from member)
      returning last_seq, last_event_seq
    ), stored as (
      insert into messages (room_id, seq, event_seq, sender_id, sender_name, content, client_message_id, reply_to_id)
      select $1, last_seq, last_event_seq, $2, $3, $4, $5, $6::bigint from bumped
      returning ${messageColumns('messages', 'none')}
    ), logged as (
      insert into room_events (room_id, event_seq, kind, actor_id, at, message_id)
      select $1, stored."eventSeq", 'MessagePosted', $2, now(), stored.id::bigint from stored
    ), read as (
      ${senderHasRead('select $1::uuid, $2::text, last_seq from bumped')}
    )
    select false as duplicate, stored.* from stored
    union all
    select true as duplicate, earlier.* from earlier`,
};

/**
 * STORE for several messages at once, in one statement and so one commit: messages arrive in
 * `ord` order, and each room's get the next seqs (and eventSeqs) in that order. Each accepted
 * message is tested as STORE tests one (an earlier message with its clientMessageId, membership,
 * share-locked first). The rooms are locked in id order before any is bumped, so batches that share
 * rooms wait on each other and never deadlock (a single STORE locks one room). Each answer row
 * carries its message's `ord`; a message without one was refused as not a member.
 */
const STORE_BATCH: PreparedStatement = {
  name: 'chat_store_messages',
  text: `with input as (
      select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
        with ordinality as input (room_id, sender_id, sender_name, content, client_message_id, reply_to_id, ord)
    ), earlier as (
      select input.ord, ${messageColumns()} from input join messages
        on messages.room_id = input.room_id and messages.sender_id = input.sender_id
        and messages.client_message_id = input.client_message_id
    ), members as (
      select room_id, user_id from room_members
      where (room_id, user_id) in (select room_id, sender_id from input) for key share
    ), accepted as (
      select input.*, row_number() over (partition by input.room_id order by input.ord) as k from input
      where not exists (select 1 from earlier where earlier.ord = input.ord)
        and exists (select 1 from members where members.room_id = input.room_id and members.user_id = input.sender_id)
    ), counts as (
      select room_id, count(*) as n from accepted group by room_id
    ), locked as (
      select rooms.id from rooms where rooms.id in (select room_id from counts) order by rooms.id for update
    ), bumped as (
      update rooms set last_seq = rooms.last_seq + counts.n, last_event_seq = rooms.last_event_seq + counts.n, last_activity_at = now()
      from counts where rooms.id = counts.room_id and rooms.id in (select id from locked)
      returning rooms.id, rooms.last_seq - counts.n as base, rooms.last_event_seq - counts.n as event_base
    ), stored as (
      insert into messages (room_id, seq, event_seq, sender_id, sender_name, content, client_message_id, reply_to_id)
      select accepted.room_id, bumped.base + accepted.k, bumped.event_base + accepted.k, accepted.sender_id,
        accepted.sender_name, accepted.content, accepted.client_message_id, accepted.reply_to_id
      from accepted join bumped on bumped.id = accepted.room_id
      returning ${messageColumns('messages', 'none')}
    ), logged as (
      insert into room_events (room_id, event_seq, kind, actor_id, at, message_id)
      select stored."roomId", stored."eventSeq", 'MessagePosted', stored."senderId", now(), stored.id::bigint from stored
    ), read as (
      ${senderHasRead(`select accepted.room_id, accepted.sender_id, max(bumped.base + accepted.k)::int
        from accepted join bumped on bumped.id = accepted.room_id group by accepted.room_id, accepted.sender_id`)}
    )
    select false as duplicate, accepted.ord::int as ord, stored.* from stored
      join bumped on bumped.id = stored."roomId"
      join accepted on accepted.room_id = stored."roomId" and bumped.base + accepted.k = stored.seq
    union all
    select true as duplicate, earlier.ord::int, earlier.id, earlier."roomId", earlier.seq, earlier."senderId",
      earlier."senderName", earlier.content, earlier."clientMessageId", earlier."createdAt", earlier."eventSeq",
      earlier."editedAt", earlier."deletedAt", earlier."replyToId", earlier.reactions from earlier`,
};

const BY_CLIENT_MESSAGE_ID: PreparedStatement = {
  name: 'chat_message_by_client_id',
  text: `select ${messageColumns()} from messages where room_id = $1 and sender_id = $2 and client_message_id = $3`,
};

const inRange = (order: 'asc' | 'desc'): PreparedStatement => ({
  name: `chat_messages_in_range_${order}`,
  text: `select ${messageColumns()} from messages where room_id = $1 and seq > $2 and seq < $3 order by seq ${order} limit $4`,
});
const IN_RANGE = { oldest: inRange('asc'), newest: inRange('desc') } as const;

/**
 * How sends are batched (batcher.ts) on real PostgreSQL: at most 8 statements at once (of the pool's
 * 10 connections, leaving the rest to reads), a room's sends written by one statement at a time.
 */
export const SEND_BATCHING: Omit<BatcherOptions<NewMessage>, 'maxQueued'> = {
  maxInFlight: 8,
  maxBatch: 100,
  keyOf: (message) => message.roomId,
  waiting: 'sends waiting for storage',
};

export interface NewMessage {
  roomId: string;
  senderId: string;
  senderName: string | null;
  content: string;
  clientMessageId: string | null;
  /** A message of the same room (checked before storing: a message never changes rooms). */
  replyToId: string | null;
}

export type StoreResult =
  | { outcome: 'stored'; message: MessagePayload }
  | { outcome: 'duplicate'; message: MessagePayload }
  | { outcome: 'not-a-member' };

/**
 * Stores a message with the next seq of its room, unless its clientMessageId was stored before. One
 * statement, so one transaction: the room row's lock is held from the seq bump to the commit, so seq
 * order is commit order and a failed insert (an idempotency-key race) gives its seq back. The
 * earlier-message look-up and the membership test ride in the same statement.
 */
export async function storeMessage(run: RunStatement, message: NewMessage): Promise<StoreResult> {
  try {
    const rows = await run<MessagePayload & { duplicate: boolean }>(STORE, [
      message.roomId, message.senderId, message.senderName, message.content, message.clientMessageId, message.replyToId,
    ]);
    if (!rows[0]) return { outcome: 'not-a-member' };
    const { duplicate, ...stored } = rows[0];
    return { outcome: duplicate ? 'duplicate' : 'stored', message: stored };
  } catch (error) {
    // A concurrent send with the same clientMessageId committed first: answer with its message.
    if (message.clientMessageId !== null && isUniqueViolation(error)) {
      const existing = await findByClientMessageId(run, message);
      if (existing) return { outcome: 'duplicate', message: existing };
    }
    throw error;
  }
}

/**
 * Stores several messages, answering for each what storeMessage would: together in one statement
 * (storeTogether) or, if PostgreSQL refused that statement (two of them share a clientMessageId, or
 * a concurrent send took one), each on its own, which settles those races message by message. A
 * statement lost with its connection may have committed: it is not run again, its sends fail.
 */
export async function storeMessages(run: RunStatement, messages: readonly NewMessage[]): Promise<PromiseSettledResult<StoreResult>[]> {
  if (messages.length === 1) return Promise.allSettled([storeMessage(run, messages[0]!)]);
  try {
    return (await storeTogether(run, messages)).map((value) => ({ status: 'fulfilled', value }));
  } catch (error) {
    if (!refusedByServer(error)) throw error;
    return Promise.allSettled(messages.map((message) => storeMessage(run, message)));
  }
}

/** STORE_BATCH: every message's outcome, in the messages' order; throws if the statement fails. */
export async function storeTogether(run: RunStatement, messages: readonly NewMessage[]): Promise<StoreResult[]> {
  const rows = await run<MessagePayload & { duplicate: boolean; ord: number }>(STORE_BATCH, [
    messages.map((message) => message.roomId),
    messages.map((message) => message.senderId),
    messages.map((message) => message.senderName),
    messages.map((message) => message.content),
    messages.map((message) => message.clientMessageId),
    messages.map((message) => message.replyToId),
  ]);
  const results: StoreResult[] = messages.map(() => ({ outcome: 'not-a-member' }));
  for (const { duplicate, ord, ...message } of rows) results[ord - 1] = { outcome: duplicate ? 'duplicate' : 'stored', message };
  return results;
}

export async function findByClientMessageId(run: RunStatement, message: NewMessage): Promise<MessagePayload | undefined> {
  const rows = await run<MessagePayload>(BY_CLIENT_MESSAGE_ID, [message.roomId, message.senderId, message.clientMessageId]);
  return rows[0];
}

export interface SeqRange {
  /** Exclusive lower bound. */
  afterSeq?: number | undefined;
  /** Exclusive upper bound. */
  beforeSeq?: number | undefined;
  limit: number;
  /** 'oldest' takes the first `limit` messages of the range, 'newest' the last; both answer oldest-first. */
  from: 'oldest' | 'newest';
}

/** Messages of a room within a seq range, oldest-first, walking the (room_id, seq) index. */
export async function messagesInRange(run: RunStatement, roomId: string, range: SeqRange): Promise<MessagePayload[]> {
  const rows = await run<MessagePayload>(IN_RANGE[range.from], [
    roomId, range.afterSeq ?? 0, range.beforeSeq ?? 2147483647, range.limit,
  ]);
  return range.from === 'oldest' ? rows : rows.reverse();
}

/** The newest message of each room, for `Room.lastMessage`. */
export async function lastMessages(em: EntityManager, roomIds: readonly string[]): Promise<Map<string, MessagePayload>> {
  const rows = await em.execute<MessagePayload[]>(
    `select ${messageColumns('m')}
     from rooms r join messages m on m.room_id = r.id and m.seq = r.last_seq
     where r.id in (${placeholders(roomIds)})`,
    [...roomIds],
  );
  return new Map(rows.map((row) => [row.roomId, row]));
}
