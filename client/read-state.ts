// A frontend's read state between queries: how a room's badge (and, where it is held, its members'
// read positions) follow the live events (a receipt, a message), so that a room list stays exact
// without refetching. Plain functions of the generated types: the tests' Apollo and urql set-ups
// and the demo use them.
import type { MessageFieldsFragment, ReadReceiptsSubscription, RoomBadgeFragment, RoomReadStateFragment } from './generated/graphql.ts';

export type ReadReceipt = ReadReceiptsSubscription['readReceipts'];

/** A room's badge, with its members' positions when the app holds them (RoomReadState). */
export type ReadStateOfRoom = RoomBadgeFragment & { memberships?: RoomReadStateFragment['memberships'] };

const withPosition = <R extends ReadStateOfRoom>(room: R, userId: string, seq: number): R =>
  room.memberships
    ? {
        ...room,
        memberships: room.memberships.map((membership) =>
          membership.user.id === userId && membership.lastReadSeq < seq ? { ...membership, lastReadSeq: seq } : membership,
        ),
      }
    : room;

/**
 * After a receipt: the member's position moves (never back: receipts of two devices may cross), and
 * when the receipt is the viewer's own (another device read the room) the badge drops by the messages
 * between the two positions. That is exact: a member's own messages are never above their position,
 * so those messages were all others'. (A message deleted in between was already left out of the
 * count: with deletions, refetch the room, or read to the newest seq, which leaves 0.)
 */
export function withReceipt<R extends ReadStateOfRoom>(room: R, receipt: ReadReceipt, viewerId: string): R {
  const moved = withPosition(room, receipt.userId, receipt.lastReadSeq);
  if (receipt.userId !== viewerId || receipt.lastReadSeq <= room.lastReadSeq) return moved;
  const unreadCount = Math.max(0, room.unreadCount - (receipt.lastReadSeq - room.lastReadSeq));
  return { ...moved, lastReadSeq: receipt.lastReadSeq, unreadCount };
}

/**
 * After a live message of the room (messageAdded, in seq order): a message of another member above
 * the viewer's position is one more unread; the viewer's own moves their position to it, as it does
 * on the server (no receipt comes for that), and its sender's likewise.
 */
export function withMessage<R extends ReadStateOfRoom>(room: R, message: MessageFieldsFragment, viewerId: string): R {
  const moved = withPosition(room, message.senderId, message.seq);
  if (message.senderId === viewerId) return { ...moved, lastReadSeq: Math.max(room.lastReadSeq, message.seq), unreadCount: 0 };
  if (message.seq <= room.lastReadSeq) return moved;
  return { ...moved, unreadCount: room.unreadCount + 1 };
}
