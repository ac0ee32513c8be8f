// Changes to stored messages in SQL: the room lock every change of a room takes first, then edits,
// tombstones and reaction rows. roomOfMessage and messagesByIds run alone; the rest inside the
// caller's transaction (`tx`, a RunTransaction's statements: prepared.ts).
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
 * A reaction row: the group keeps its place while it has members; a new (or emptied and reused)
 * emoji goes last. The bench's baseline runs it too (bench/baseline-changes.ts).
 */
export const INSERT_REACTION: PreparedStatement = {
  name: 'chat_insert_reaction',
  text: `insert into message_reactions (message_id, emoji, user_id, group_order)
     values ($1, $2, $3, coalesce((select min(group_order) from message_reactions where message_id = $1 and emoji = $2),
                                  (select coalesce(max(group_order), 0) + 1 from message_reactions where message_id = $1)))`,
};

const statements = {
  lockRoom: {
    name: 'chat_lock_room',
    text: `select r.kind, m.role from rooms r left join room_members m on m.room_id = r.id and m.user_id = $2
      where r.id = $1 for update of r`,
  },
  message: { name: 'chat_message_by_id', text: `select ${messageColumns()} from messages where id = $1` },
  edit: { name: 'chat_edit_content', text: 'update messages set content = $2, edited_at = now() where id = $1' },
  erase: { name: 'chat_erase_message', text: `update messages set content = '', reply_to_id = null, deleted_at = now() where id = $1` },
  eraseReactions: { name: 'chat_erase_reactions', text: 'delete from message_reactions where message_id = $1' },
  eraseReactionEvents: {
    name: 'chat_erase_reaction_events',
    text: `update room_events set emoji = '' where message_id = $1 and kind = 'ReactionChanged'`,
  },
  reactionState: {
    name: 'chat_reaction_state',
    text: `select count(distinct emoji)::int as emojis,
       coalesce(bool_or(emoji = $2 and user_id = $3), false) as mine,
       coalesce(bool_or(emoji = $2), false) as used
     from message_reactions where message_id = $1`,
  },
  insertReaction: INSERT_REACTION,
  deleteReaction: { name: 'chat_delete_reaction', text: 'delete from message_reactions where message_id = $1 and emoji = $2 and user_id = $3' },
} satisfies Record<string, PreparedStatement>;

/**
 * Locks the room row for the rest of the transaction, as a send does: every change of the room
 * (and its eventSeq) is then serialised with every other, and what this transaction reads next is
 * what the previous change committed. Answers the room's kind and the user's role in it.
 */
export async function lockRoom(tx: RunStatement, roomId: string, userId: string): Promise<LockedRoom | undefined> {
  const rows = await tx<LockedRoom>(statements.lockRoom, [roomId, userId]);
  return rows[0];
}

export async function messageById(tx: RunStatement, messageId: string): Promise<MessagePayload | undefined> {
  const rows = await tx<MessagePayload>(statements.message, [messageId]);
  return rows[0];
}

export async function messagesByIds(em: EntityManager, ids: readonly string[]): Promise<Map<string, MessagePayload>> {
  const rows = await em.execute<MessagePayload[]>(`select ${messageColumns()} from messages where id in (${placeholders(ids)})`, [...ids]);
  return new Map(rows.map((row) => [row.id, row]));
}

export async function editContent(tx: RunStatement, messageId: string, content: string): Promise<void> {
  await tx(statements.edit, [messageId, content]);
}

/**
 * The tombstone: content, reply and reactions erased for good, so that nothing can deliver them
 * again; the emoji of the message's ReactionChanged events too (they stay in the log, emptied, so
 * that its eventSeqs keep no gaps).
 */
export async function eraseMessage(tx: RunStatement, messageId: string): Promise<void> {
  await tx(statements.erase, [messageId]);
  await tx(statements.eraseReactions, [messageId]);
  await tx(statements.eraseReactionEvents, [messageId]);
}

/** The distinct emoji on a message now, and whether the user has reacted with `emoji`. */
export async function reactionState(tx: RunStatement, messageId: string, emoji: string, userId: string) {
  const rows = await tx<{ emojis: number; mine: boolean; used: boolean }>(statements.reactionState, [messageId, emoji, userId]);
  return rows[0]!;
}

export async function insertReaction(tx: RunStatement, messageId: string, emoji: string, userId: string): Promise<void> {
  await tx(statements.insertReaction, [messageId, emoji, userId]);
}

export async function deleteReaction(tx: RunStatement, messageId: string, emoji: string, userId: string): Promise<void> {
  await tx(statements.deleteReaction, [messageId, emoji, userId]);
}
