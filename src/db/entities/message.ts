// A stored message. (roomId, seq) is unique and gap-free per room; (roomId, senderId, clientMessageId) makes sends idempotent.
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
  },
});

export type Message = InferEntity<typeof Message>;
