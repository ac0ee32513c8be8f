// Per-operation batching of the reads that nested fields repeat (members, users, last messages).
import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { lastMessages } from '../db/messages-store.ts';
import { memberIdsOfRooms } from '../db/rooms-store.ts';
import { usersByIds, type UserRecord } from '../db/users-store.ts';
import type { MessagePayload } from '../pubsub/topics.ts';

export interface Loaders {
  user: DataLoader<string, UserRecord>;
  memberIds: DataLoader<string, string[]>;
  lastMessage: DataLoader<string, MessagePayload | null>;
}

export function createLoaders(em: EntityManager): Loaders {
  return {
    user: new DataLoader(async (ids) => {
      const users = await usersByIds(em, ids);
      // A sender always has a row; an id without one reads as a user with no name.
      return ids.map((id) => users.get(id) ?? { id, name: null });
    }),
    memberIds: new DataLoader(async (roomIds) => {
      const members = await memberIdsOfRooms(em, roomIds);
      return roomIds.map((id) => members.get(id) ?? []);
    }),
    lastMessage: new DataLoader(async (roomIds) => {
      const messages = await lastMessages(em, roomIds);
      return roomIds.map((id) => messages.get(id) ?? null);
    }),
  };
}
