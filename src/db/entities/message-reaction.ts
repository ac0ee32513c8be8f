// One user's reaction with one emoji on one message; groupOrder keeps the emoji's place while its group has users.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const MessageReaction = defineEntity({
  name: 'MessageReaction',
  tableName: 'message_reactions',
  properties: {
    id: p.bigint('string').primary(),
    messageId: p.bigint('string'),
    emoji: p.text(),
    userId: p.text(),
    groupOrder: p.bigint('string'),
  },
});

export type MessageReaction = InferEntity<typeof MessageReaction>;
