// Read positions in SQL: markRead's forward-only move, and each member's unread count.
//
// How unreadCount is computed. A send moves its sender's position to their message in the storing
// statement (messages-store.ts), and a position never moves back, so no message of a member is ever
// above that member's position: "others' messages above the position" is every message above it,
// and their number is the room's newest seq minus the position (seqs have no gaps). The count is
// then arithmetic on two rows already read for a room list, whatever the number of unread messages;
// only deleted messages need counting (see DELETED_ABOVE_POSITION). Kept counters (Mattermost's
// TotalMsgCount - MsgCount) would add a write per member to every send; counting over the
// (room_id, seq) index reads every unread message, which grows with the backlog: in the room-list
// bench (100 rooms of 10,000 messages, 5,000 unread in each of 50), 0.1 ms for the arithmetic
// against 49 to 180 ms for the counts (EXPLAIN ANALYZE in its report).
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PreparedStatement, RunStatement } from './prepared.ts';
import { placeholders } from './sql-values.ts';
import { roomColumns, type RoomRecord } from './rooms-store.ts';

/**
 * Messages above the member's position `m` in room `r` that are deleted, which the arithmetic above
 * counts and must not (none of them is the member's own): the one place the deleted condition goes,
 * counted over the partial index of deleted messages (messages_deleted_idx), so it costs what there
 * is to count, usually nothing.
 */
const DELETED_ABOVE_POSITION = (m: string, r: string) =>
  `select count(*) from messages d where d.room_id = ${r}.id and d.seq > ${m}.last_read_seq and d.deleted_at is not null`;

/** The number of unread messages of member row `m` in room row `r`. */
const unreadCount = (m: string, r: string) => `(${r}.last_seq - ${m}.last_read_seq - (${DELETED_ABOVE_POSITION(m, r)}))::int`;

/**
 * Moves the member's position forward to min($3, the room's newest seq), in one statement: the
 * `last_read_seq < target` test is evaluated again on the row a concurrent markRead just committed
 * (PostgreSQL re-checks an UPDATE's condition on the newest version of a row it waited for), so two
 * devices marking different seqs at once end at the larger, and a position never moves back.
 * It locks the member's row only, never the room's (the room is read, not locked): it waits for no
 * transaction that holds a room, so it cannot deadlock with a removal or a send, which take the
 * member's row first and the room's after (membership-store.ts, messages-store.ts).
 * Answers the room, whether the user is a member, and the new position when it moved (else null).
 */
const MARK_READ: PreparedStatement = {
  name: 'chat_mark_read',
  text: `with room as (
      select ${roomColumns('r')},
        exists (select 1 from room_members m where m.room_id = r.id and m.user_id = $2) as "isMember"
      from rooms r where r.id = $1
    ), moved as (
      update room_members m set last_read_seq = least($3::int, room."lastSeq")
      from room where m.room_id = room.id and m.user_id = $2 and m.last_read_seq < least($3::int, room."lastSeq")
      returning m.last_read_seq
    )
    select room.*, (select last_read_seq from moved) as "movedTo" from room`,
};

export type MarkReadResult =
  | { outcome: 'no-room' }
  | { outcome: 'not-a-member'; room: RoomRecord }
  | { outcome: 'marked'; room: RoomRecord; movedTo: number | null };

export async function markRead(run: RunStatement, roomId: string, userId: string, seq: number): Promise<MarkReadResult> {
  const rows = await run<RoomRecord & { isMember: boolean; movedTo: number | null }>(MARK_READ, [roomId, userId, seq]);
  const row = rows[0];
  if (!row) return { outcome: 'no-room' };
  const { isMember, movedTo, ...room } = row;
  if (!isMember) return { outcome: 'not-a-member', room };
  return { outcome: 'marked', room, movedTo };
}

export interface ReadState {
  lastReadSeq: number;
  unreadCount: number;
}

/** The user's position and unread count in each of the rooms, in one statement (one snapshot of both rows). */
export async function readStatesOfUser(em: EntityManager, userId: string, roomIds: readonly string[]): Promise<Map<string, ReadState>> {
  const rows = await em.execute<(ReadState & { roomId: string })[]>(
    `select m.room_id as "roomId", m.last_read_seq as "lastReadSeq", ${unreadCount('m', 'r')} as "unreadCount"
     from room_members m join rooms r on r.id = m.room_id
     where m.user_id = ? and m.room_id in (${placeholders(roomIds)})`,
    [userId, ...roomIds],
  );
  return new Map(rows.map(({ roomId, ...state }) => [roomId, state]));
}
