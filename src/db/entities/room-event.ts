// One entry of a room's event log: (roomId, eventSeq) is gap-free per room, in commit order (see db/room-events-store.ts).
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const ROOM_EVENT_KINDS = ['MessagePosted', 'MessageEdited', 'MessageDeleted', 'ReactionChanged', 'MembershipChanged'] as const;

export const RoomEvent = defineEntity({
  name: 'RoomEvent',
  tableName: 'room_events',
  properties: {
    roomId: p.uuid().primary(),
    eventSeq: p.integer().primary(),
    kind: p.enum(ROOM_EVENT_KINDS),
    actorId: p.text(),
    at: p.datetime(3).defaultRaw('now()'),
    /** The message of a message or reaction event. */
    messageId: p.bigint('string').nullable(),
    /** The member of a MembershipChanged, with the change and the role after it (null when gone). */
    userId: p.text().nullable(),
    change: p.text().nullable(),
    role: p.text().nullable(),
    /** A ReactionChanged's emoji (emptied when its message is deleted) and whether it was added. */
    emoji: p.text().nullable(),
    added: p.boolean().nullable(),
  },
});

export type RoomEvent = InferEntity<typeof RoomEvent>;
