// Read state: the caller's position and unread count on Room, markRead, ReadReceipt and readReceipts.
import type { ReadReceiptPayload } from '../pubsub/topics.ts';
import { liveEvent } from '../resolvers/live-stream.ts';
import { markRead, readReceiptsFeed } from '../resolvers/read-state.ts';
import { builder } from './builder.ts';
import { RoomType } from './room.ts';

builder.objectFields(RoomType, (t) => ({
  lastReadSeq: t.int({
    description: 'The seq of the newest message the caller has read; 0 when none.',
    resolve: async (room, _args, ctx) => (await ctx.loaders.readState.load(room.id)).lastReadSeq,
  }),
  unreadCount: t.int({
    description: "Messages after the caller's read position, sent by others and not deleted.",
    resolve: async (room, _args, ctx) => (await ctx.loaders.readState.load(room.id)).unreadCount,
  }),
}));

const ReadReceiptType = builder.objectRef<ReadReceiptPayload>('ReadReceipt').implement({
  fields: (t) => ({
    roomId: t.exposeID('roomId'),
    userId: t.exposeID('userId'),
    lastReadSeq: t.exposeInt('lastReadSeq'),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

builder.mutationField('markRead', (t) =>
  t.field({
    type: RoomType,
    description: "Moves the caller's read position forward to seq (never back); answers the room as the caller now sees it.",
    args: { roomId: t.arg.id({ required: true }), seq: t.arg.int({ required: true }) },
    resolve: (_root, args, ctx) => markRead(ctx, args),
  }),
);

builder.subscriptionField('readReceipts', (t) =>
  t.field({
    type: ReadReceiptType,
    description: "Read positions moving forward in one room, or in every room of the caller (the caller's own included).",
    args: { roomId: t.arg.id() },
    subscribe: (_root, args, ctx) => readReceiptsFeed(ctx, args),
    resolve: (receipt) => liveEvent(receipt),
  }),
);
