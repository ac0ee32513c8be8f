// A chat room. `lastSeq` is the seq of its newest message, `lastEventSeq` of its newest event, both bumped inside the storing transaction.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const ROOM_KINDS = ['DIRECT', 'GROUP'] as const;
export type RoomKind = (typeof ROOM_KINDS)[number];

export const Room = defineEntity({
  name: 'Room',
  tableName: 'rooms',
  properties: {
    id: p.uuid().primary().defaultRaw('gen_random_uuid()'),
    kind: p.enum(ROOM_KINDS),
    title: p.text().nullable(),
    /** For a direct room, the lesser and the greater member id: unique together, so one room per pair. */
    directLow: p.text().nullable(),
    directHigh: p.text().nullable(),
    createdBy: p.text(),
    createdAt: p.datetime(3).defaultRaw('now()'),
    lastSeq: p.integer().default(0),
    /** The eventSeq of its newest event, bumped under the same row lock as lastSeq. */
    lastEventSeq: p.integer().default(0),
    lastActivityAt: p.datetime(3).defaultRaw('now()'),
  },
});

export type Room = InferEntity<typeof Room>;
