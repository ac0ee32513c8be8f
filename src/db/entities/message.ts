// A stored message. (roomId, seq) is unique and gap-free per room; (roomId, senderId, clientMessageId) makes sends idempotent.
// A deleted message is a tombstone: content empty, replyToId null, deletedAt set.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const Message = defineEntity({
  name: 'Message',
  tableName: 'messages',
  properties: {
    id: p.bigint('string').primary(),
    roomId: p.uuid(),
    seq: p.integer(),
    senderId: p.text(),
    senderName: p.text().nullable(),
    content: p.text(),
    clientMessageId: p.text().nullable(),
    createdAt: p.datetime(3).defaultRaw('now()'),
    /** The eventSeq of its MessagePosted event. */
    eventSeq: p.integer(),
    editedAt: p.datetime(3).nullable(),
    deletedAt: p.datetime(3).nullable(),
    replyToId: p.bigint('string').nullable(),
  },
});

export type Message = InferEntity<typeof Message>;
