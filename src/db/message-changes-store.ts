// Changes to stored messages in SQL: the room lock every change of a room takes first, then edits,
// tombstones and reaction rows. Each function runs inside the caller's transaction.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { MessagePayload } from '../pubsub/topics.ts';
import type { RoomKind } from './entities/room.ts';
import { messageColumns } from './messages-store.ts';
import type { PreparedStatement, RunStatement } from './prepared.ts';
import { placeholders } from './sql-values.ts';

const MESSAGE_ROOM: PreparedStatement = { name: 'chat_message_room', text: 'select room_id as "roomId" from messages where id = $1' };

/** The room a message belongs to (a message never changes rooms, so no lock is needed to know it). */
export async function roomOfMessage(run: RunStatement, messageId: string): Promise<string | undefined> {
  const rows = await run<{ roomId: string }>(MESSAGE_ROOM, [messageId]);
  return rows[0]?.roomId;
}

export interface LockedRoom {
  kind: RoomKind;
  /** The caller's role; null when not a member. */
  role: 'OWNER' | 'MEMBER' | null;
}

/**
 * Locks the room row for the rest of the transaction, as a send does: every change of the room
 * (and its eventSeq) is then serialised with every other, and what this transaction reads next is
 * what the previous change committed. Answers the room's kind and the user's role in it.
 */
export async function lockRoom(tx: EntityManager, roomId: string, userId: string): Promise<LockedRoom | undefined> {
  const rows = await tx.execute<LockedRoom[]>(
    `select r.kind, m.role from rooms r left join room_members m on m.room_id = r.id and m.user_id = ?
     where r.id = ? for update of r`,
    [userId, roomId],
  );
  return rows[0];
}

export async function messageById(em: EntityManager, messageId: string): Promise<MessagePayload | undefined> {
  const rows = await em.execute<MessagePayload[]>(`select ${messageColumns()} from messages where id = ?`, [messageId]);
  return rows[0];
}

export async function messagesByIds(em: EntityManager, ids: readonly string[]): Promise<Map<string, MessagePayload>> {
  const rows = await em.execute<MessagePayload[]>(`select ${messageColumns()} from messages where id in (${placeholders(ids)})`, [...ids]);
  return new Map(rows.map((row) => [row.id, row]));
}

export async function editContent(tx: EntityManager, messageId: string, content: string): Promise<void> {
  await tx.execute('update messages set content = ?, edited_at = now() where id = ?', [content, messageId]);
}

/**
 * The tombstone: content, reply and reactions erased for good, so that nothing can deliver them
 * again; the emoji of the message's ReactionChanged events too (they stay in the log, emptied, so
 * that its eventSeqs keep no gaps).
 */
export async function eraseMessage(tx: EntityManager, messageId: string): Promise<void> {
  await tx.execute(`update messages set content = '', reply_to_id = null, deleted_at = now() where id = ?`, [messageId]);
  await tx.execute('delete from message_reactions where message_id = ?', [messageId]);
  await tx.execute(`update room_events set emoji = '' where message_id = ? and kind = 'ReactionChanged'`, [messageId]);
}

/** The distinct emoji on a message now, and whether the user has reacted with `emoji`. */
export async function reactionState(tx: EntityManager, messageId: string, emoji: string, userId: string) {
  const rows = await tx.execute<{ emojis: number; mine: boolean }[]>(
    `select count(distinct emoji)::int as emojis,
       coalesce(bool_or(emoji = ? and user_id = ?), false) as mine,
       coalesce(bool_or(emoji = ?), false) as used
     from message_reactions where message_id = ?`,
    [emoji, userId, emoji, messageId],
  );
  return rows[0] as { emojis: number; mine: boolean; used: boolean };
}

/** The group keeps its place while it has members; a new (or emptied and reused) emoji goes last. */
export async function insertReaction(tx: EntityManager, messageId: string, emoji: string, userId: string): Promise<void> {
  await tx.execute(
    `insert into message_reactions (message_id, emoji, user_id, group_order)
     values (?, ?, ?, coalesce((select min(group_order) from message_reactions where message_id = ? and emoji = ?),
                               (select coalesce(max(group_order), 0) + 1 from message_reactions where message_id = ?)))`,
    [messageId, emoji, userId, messageId, emoji, messageId],
  );
}

export async function deleteReaction(tx: EntityManager, messageId: string, emoji: string, userId: string): Promise<void> {
  await tx.execute('delete from message_reactions where message_id = ? and emoji = ? and user_id = ?', [messageId, emoji, userId]);
}
