// Per-operation batching of the reads that nested fields repeat (members, users, last messages).
// Each loader is made on first use: most operations need one of them or none.
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { lastMessages } from '../db/messages-store.ts';
import { memberIdsOfRooms } from '../db/rooms-store.ts';
import { usersByIds, type UserRecord } from '../db/users-store.ts';
import type { MessagePayload } from '../pubsub/topics.ts';

export class Loaders {
  readonly #em: () => EntityManager;
  #user: DataLoader<string, UserRecord> | undefined;
  #memberIds: DataLoader<string, string[]> | undefined;
  #lastMessage: DataLoader<string, MessagePayload | null> | undefined;

  constructor(em: () => EntityManager) {
    this.#em = em;
  }

  get user(): DataLoader<string, UserRecord> {
    return (this.#user ??= new DataLoader(async (ids) => {
      const users = await usersByIds(this.#em(), ids);
      // A sender always has a row; an id without one reads as a user with no name.
      return ids.map((id) => users.get(id) ?? { id, name: null });
    }));
  }

  get memberIds(): DataLoader<string, string[]> {
    return (this.#memberIds ??= new DataLoader(async (roomIds) => {
      const members = await memberIdsOfRooms(this.#em(), roomIds);
      return roomIds.map((id) => members.get(id) ?? []);
    }));
  }

  get lastMessage(): DataLoader<string, MessagePayload | null> {
    return (this.#lastMessage ??= new DataLoader(async (roomIds) => {
      const messages = await lastMessages(this.#em(), roomIds);
      return roomIds.map((id) => messages.get(id) ?? null);
    }));
  }
}
