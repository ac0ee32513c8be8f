// Channel names and the payload each carries. Payloads are what clients get, serialised once
// (dates as ISO strings), so that no subscriber reads the database per event.
import type { RoomRole } from '../db/entities/room-member.ts';
import type { Topic } from './pubsub.ts';

export interface MessagePayload {
  id: string;
  roomId: string;
  seq: number;
  senderId: string;
  senderName: string | null;
  content: string;
  clientMessageId: string | null;
  createdAt: string;
  /** The eventSeq of its MessagePosted: where a message feed stands in the room's event log. */
  eventSeq: number;
  editedAt: string | null;
  deletedAt: string | null;
  replyToId: string | null;
  reactions: ReactionGroupPayload[];
}

export interface ReactionGroupPayload {
  emoji: string;
  count: number;
  userIds: string[];
}

export type { RoomRole };
export type MembershipChange = 'ADDED' | 'REMOVED' | 'LEFT' | 'ROLE_CHANGED';

interface RoomEventBase {
  roomId: string;
  eventSeq: number;
  actorId: string;
  at: string;
}

/** One entry of a room's event log, as stored (replays) and as published (live). */
export type RoomEventPayload = RoomEventBase &
  (
    | { kind: 'MessagePosted' | 'MessageEdited' | 'MessageDeleted'; message: MessagePayload }
    | { kind: 'ReactionChanged'; message: MessagePayload; emoji: string; added: boolean }
    | { kind: 'MembershipChanged'; userId: string; change: MembershipChange; role: RoomRole | null }
  );

export type RoomEventKind = RoomEventPayload['kind'];

/** The event that ends a user's membership: after it, nothing of the room reaches them. */
export const endsMembershipOf = (event: RoomEventPayload, userId: string): boolean =>
  event.kind === 'MembershipChanged' && event.userId === userId && (event.change === 'REMOVED' || event.change === 'LEFT');

export interface TypingPayload {
  roomId: string;
  userId: string;
  userName: string | null;
  isTyping: boolean;
  at: string;
}

export type PresenceStatus = 'ONLINE' | 'OFFLINE';

export interface PresencePayload {
  roomId: string;
  userId: string;
  userName: string | null;
  status: PresenceStatus;
  at: string;
}

/** A member's read position moved forward (markRead; a send's own move is announced by its message). */
export interface ReadReceiptPayload {
  roomId: string;
  userId: string;
  lastReadSeq: number;
  at: string;
}

/** A room the user has just become a member of, so that their all-rooms feeds follow it from its ADDED event. */
export interface RoomJoinedPayload {
  roomId: string;
  /** The eventSeq before the first event the user's all-rooms feeds get from the room. */
  afterEventSeq: number;
}

const topic = <T>(channel: string): Topic<T> => ({ channel });

export const topics = {
  /** Every event of the room's log, in eventSeq order per publisher; messageAdded feeds follow it too. */
  roomEvents: (roomId: string) => topic<RoomEventPayload>(`chat:room:${roomId}:events`),
  typing: (roomId: string) => topic<TypingPayload>(`chat:room:${roomId}:typing`),
  presence: (roomId: string) => topic<PresencePayload>(`chat:room:${roomId}:presence`),
  readReceipts: (roomId: string) => topic<ReadReceiptPayload>(`chat:room:${roomId}:read`),
  roomJoined: (userId: string) => topic<RoomJoinedPayload>(`chat:user:${encodeURIComponent(userId)}:rooms`),
};
