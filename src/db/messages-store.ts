// Messages in SQL: the atomic send (seq and insert in one statement) and the reads by seq.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MessagePayload } from '../pubsub/topics.ts';
import type { PreparedStatement, RunStatement } from './prepared.ts';
import { isUniqueViolation, placeholders } from './sql-values.ts';

// createdAt is formatted by PostgreSQL as the payload's ISO-8601 string (UTC, milliseconds, as
// Date#toISOString writes it): a page of history then parses and formats no dates in JavaScript.
const messageColumns = (table = 'messages') =>
  `${table}.id::text as id, ${table}.room_id as "roomId", ${table}.seq, ${table}.sender_id as "senderId",
   ${table}.sender_name as "senderName", ${table}.content, ${table}.client_message_id as "clientMessageId",
   to_char(${table}.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt"`;

/** One round trip: an earlier message with the same clientMessageId, or the new one stored. */
const STORE: PreparedStatement = {
  name: 'chat_store_message',
  text: `with earlier as (
      select ${messageColumns()} from messages where room_id = $1 and sender_id = $2 and client_message_id = $5
    ), bumped as (
      update rooms set last_seq = last_seq + 1, last_activity_at = now()
      where id = $1 and not exists (select 1 from earlier)
        and exists (select 1 from room_members where room_id = $1 and user_id = $2)
      returning last_seq
    ), stored as (
      insert into messages (room_id, seq, sender_id, sender_name, content, client_message_id)
      select $1, last_seq, $2, $3, $4, $5 from bumped
      returning ${messageColumns()}
    )
    select false as duplicate, stored.* from stored
    union all
    select true as duplicate, earlier.* from earlier`,
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

export interface NewMessage {
  roomId: string;
  senderId: string;
  senderName: string | null;
  content: string;
  clientMessageId: string | null;
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
      message.roomId, message.senderId, message.senderName, message.content, message.clientMessageId,
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
