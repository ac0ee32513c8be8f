// Membership of a user in a room: their role and their read position (the seq of the newest message they have read).
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const ROOM_ROLES = ['OWNER', 'MEMBER'] as const;
export type RoomRole = (typeof ROOM_ROLES)[number];

export const RoomMember = defineEntity({
  name: 'RoomMember',
  tableName: 'room_members',
  properties: {
    roomId: p.uuid().primary(),
    userId: p.text().primary(),
    /** OWNER: a group room's creator (or whom the role passed to); everyone else, and both of a direct room, MEMBER. */
    role: p.enum(ROOM_ROLES).default('MEMBER'),
    joinedAt: p.datetime(3).defaultRaw('now()'),
    /** Moved only forward; starts at the room's newest seq when the member joins (0 in a new room). */
    lastReadSeq: p.integer().default(0),
  },
});

export type RoomMember = InferEntity<typeof RoomMember>;
