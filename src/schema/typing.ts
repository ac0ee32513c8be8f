// Typing indicators: the mutation and the subscription.
import type { TypingPayload } from '../pubsub/topics.ts';
import { setTyping, typingFeed } from '../resolvers/typing.ts';
import { liveEvent } from '../resolvers/live-stream.ts';
import { builder } from './builder.ts';

const TypingEventType = builder.objectRef<TypingPayload>('TypingEvent').implement({
  fields: (t) => ({
    roomId: t.exposeID('roomId'),
    userId: t.exposeID('userId'),
    userName: t.exposeString('userName', { nullable: true }),
    isTyping: t.exposeBoolean('isTyping'),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

builder.mutationField('setTyping', (t) =>
  t.boolean({
    args: { roomId: t.arg.id({ required: true }), isTyping: t.arg.boolean({ required: true }) },
    resolve: (_root, args, ctx) => setTyping(ctx, args),
  }),
);

builder.subscriptionField('typing', (t) =>
  t.field({
    type: TypingEventType,
    description: 'Typing changes of the other members of the room.',
    args: { roomId: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) => typingFeed(ctx, args.roomId),
    resolve: (event) => liveEvent(event),
  }),
);
