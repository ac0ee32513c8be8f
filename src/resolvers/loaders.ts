// Per-operation batching of the reads that nested fields repeat (memberships, users, last messages,
// the viewer's read state).
// Each loader is made on first use: most operations need one of them or none.
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { messagesByIds } from '../db/message-changes-store.ts';
import { lastMessages } from '../db/messages-store.ts';
import { readStatesOfUser, type ReadState } from '../db/read-state-store.ts';
import { membershipsOfRooms, type MembershipRecord } from '../db/rooms-store.ts';
import { usersByIds, type UserRecord } from '../db/users-store.ts';
import type { MessagePayload } from '../pubsub/topics.ts';

export class Loaders {
  readonly #em: () => EntityManager;
  #user: DataLoader<string, UserRecord> | undefined;
  #memberships: DataLoader<string, MembershipRecord[]> | undefined;
  #lastMessage: DataLoader<string, MessagePayload | null> | undefined;
  #message: DataLoader<string, MessagePayload | null> | undefined;
  #readState: DataLoader<string, ReadState> | undefined;
  readonly #viewerId: string;

  constructor(em: () => EntityManager, viewerId: string) {
    this.#em = em;
    this.#viewerId = viewerId;
  }

  get user(): DataLoader<string, UserRecord> {
    return (this.#user ??= new DataLoader(async (ids) => {
      const users = await usersByIds(this.#em(), ids);
      // A sender always has a row; an id without one reads as a user with no name.
      return ids.map((id) => users.get(id) ?? { id, name: null });
    }));
  }

  /** A room's memberships, in joining order: Room.members and Room.memberships share it. */
  get memberships(): DataLoader<string, MembershipRecord[]> {
    return (this.#memberships ??= new DataLoader(async (roomIds) => {
      const memberships = await membershipsOfRooms(this.#em(), roomIds);
      return roomIds.map((id) => memberships.get(id) ?? []);
    }));
  }

  get lastMessage(): DataLoader<string, MessagePayload | null> {
    return (this.#lastMessage ??= new DataLoader(async (roomIds) => {
      const messages = await lastMessages(this.#em(), roomIds);
      return roomIds.map((id) => messages.get(id) ?? null);
    }));
  }

  /**
   * Messages by id, as they are now (Message.replyTo). Batched but never cached: a subscription's
   * context lives long, and a message edited or deleted since must not be answered as it was.
   */
  get message(): DataLoader<string, MessagePayload | null> {
    return (this.#message ??= new DataLoader(
      async (ids) => {
        const messages = await messagesByIds(this.#em(), ids);
        return ids.map((id) => messages.get(id) ?? null);
      },
      { cache: false },
    ));
  }

  /** The viewer's read position and unread count in a room (none read, none unread where not a member). */
  get readState(): DataLoader<string, ReadState> {
    return (this.#readState ??= new DataLoader(async (roomIds) => {
      const states = await readStatesOfUser(this.#em(), this.#viewerId, roomIds);
      return roomIds.map((id) => states.get(id) ?? { lastReadSeq: 0, unreadCount: 0 });
    }));
  }

  /** Drops what was loaded about a room's members after this operation changed them (a mutation field answers the new state). */
  forgetMembersOf(roomId: string): void {
    this.#memberships?.clear(roomId);
    this.#readState?.clear(roomId);
  }
}
