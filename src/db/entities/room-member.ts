// Membership of a user in a room.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const RoomMember = defineEntity({
  name: 'RoomMember',
  tableName: 'room_members',
  properties: {
    roomId: p.uuid().primary(),
    userId: p.text().primary(),
    joinedAt: p.datetime(3).defaultRaw('now()'),
  },
});

export type RoomMember = InferEntity<typeof RoomMember>;
