// Channel names and the payload each carries. Payloads are what clients get, serialised once
// (dates as ISO strings), so that no subscriber reads the database per event.
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
}

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

/** A room the user has just become a member of, so that their all-rooms feeds follow it. */
export interface RoomJoinedPayload {
  roomId: string;
}

const topic = <T>(channel: string): Topic<T> => ({ channel });

export const topics = {
  messageAdded: (roomId: string) => topic<MessagePayload>(`chat:room:${roomId}:messages`),
  typing: (roomId: string) => topic<TypingPayload>(`chat:room:${roomId}:typing`),
  presence: (roomId: string) => topic<PresencePayload>(`chat:room:${roomId}:presence`),
  readReceipts: (roomId: string) => topic<ReadReceiptPayload>(`chat:room:${roomId}:read`),
  roomJoined: (userId: string) => topic<RoomJoinedPayload>(`chat:user:${encodeURIComponent(userId)}:rooms`),
};
