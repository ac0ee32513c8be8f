// A user who left or was removed from a room: kept apart, so that room_members holds current members only.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const RoomFormerMember = defineEntity({
  name: 'RoomFormerMember',
  tableName: 'room_former_members',
  properties: {
    roomId: p.uuid().primary(),
    userId: p.text().primary(),
    change: p.enum(['REMOVED', 'LEFT'] as const),
    leftAt: p.datetime(3).defaultRaw('now()'),
  },
});

export type RoomFormerMember = InferEntity<typeof RoomFormerMember>;
