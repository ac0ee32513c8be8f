// Message, its connection, and the operations on messages: history, send, live feed.
import type { MessagePayload, ReactionGroupPayload } from '../pubsub/topics.ts';
import { deleteMessage, editMessage, react } from '../resolvers/message-changes.ts';
import { messageFeed } from '../resolvers/message-feed.ts';
import { pageMessages, sendMessage } from '../resolvers/messages.ts';
import { roomOfViewer } from '../resolvers/rooms.ts';
import { messageCursor } from '../resolvers/cursors.ts';
import { liveEvent } from '../resolvers/live-stream.ts';
import { builder } from './builder.ts';
import { PageInfoType, type PageInfoModel } from './page-info.ts';
import { UserType } from './user.ts';

const ReactionGroupType = builder.objectRef<ReactionGroupPayload>('ReactionGroup').implement({
  fields: (t) => ({
    emoji: t.exposeString('emoji'),
    count: t.exposeInt('count'),
    userIds: t.exposeIDList('userIds', { description: 'Who reacted with this emoji, earliest first.' }),
  }),
});

export const MessageType = builder.objectRef<MessagePayload>('Message');
MessageType.implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    roomId: t.exposeID('roomId'),
    seq: t.exposeInt('seq', { description: 'Position in the room: 1, 2, 3 ... with no gaps, in commit order.' }),
    senderId: t.exposeID('senderId'),
    senderName: t.exposeString('senderName', {
      nullable: true,
      description: "The sender's display name as it was when the message was sent.",
    }),
    sender: t.field({ type: UserType, resolve: (message, _args, ctx) => ctx.loaders.user.load(message.senderId) }),
    content: t.exposeString('content'),
    clientMessageId: t.exposeString('clientMessageId', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    editedAt: t.expose('editedAt', { type: 'DateTime', nullable: true, description: 'When the content was last edited; null when never. (content is empty once deleted.)' }),
    deletedAt: t.expose('deletedAt', { type: 'DateTime', nullable: true, description: 'When the message was deleted; null while it stands. A deleted message keeps its seq.' }),
    replyTo: t.field({
      type: MessageType,
      nullable: true,
      description: 'The message this one replies to (possibly deleted since); null when none.',
      resolve: (message, _args, ctx) => (message.replyToId === null ? null : ctx.loaders.message.load(message.replyToId)),
    }),
    reactions: t.field({
      type: [ReactionGroupType],
      description: 'Reactions by emoji, in the order each emoji was first used on this message.',
      resolve: (message) => message.reactions,
    }),
    cursor: t.string({
      description: "This message's cursor in its room's connections (its edge's): lets a live message join a cached page.",
      resolve: (message) => messageCursor(message.seq),
    }),
  }),
});

interface MessageConnectionModel {
  edges: { cursor: string; node: MessagePayload }[];
  pageInfo: PageInfoModel;
}

const MessageEdgeType = builder.objectRef<MessageConnectionModel['edges'][number]>('MessageEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.field({ type: MessageType, resolve: (edge) => edge.node }),
  }),
});

export const MessageConnectionType = builder.objectRef<MessageConnectionModel>('MessageConnection').implement({
  fields: (t) => ({
    edges: t.field({ type: [MessageEdgeType], resolve: (connection) => connection.edges }),
    pageInfo: t.field({ type: PageInfoType, resolve: (connection) => connection.pageInfo }),
  }),
});

builder.queryField('messages', (t) =>
  t.field({
    type: MessageConnectionType,
    args: { roomId: t.arg.id({ required: true }), first: t.arg.int(), after: t.arg.string(), last: t.arg.int(), before: t.arg.string() },
    resolve: async (_root, { roomId, ...page }, ctx) => pageMessages(ctx, (await roomOfViewer(ctx, roomId)).id, page),
  }),
);

builder.mutationField('sendMessage', (t) =>
  t.field({
    type: MessageType,
    description:
      'Stores the message and delivers it to every messageAdded subscriber of the room.\n' +
      'A repeated clientMessageId from the same sender in the same room returns the first\n' +
      'message again and delivers nothing new.',
    args: {
      roomId: t.arg.id({ required: true }),
      content: t.arg.string({ required: true }),
      clientMessageId: t.arg.string(),
      replyToId: t.arg.id({ description: 'A message of the same room that this one replies to.' }),
    },
    resolve: (_root, args, ctx) => sendMessage(ctx, args),
  }),
);

builder.mutationFields((t) => ({
  editMessage: t.field({
    type: MessageType,
    description: "Replaces the content of the caller's own message.",
    args: { messageId: t.arg.id({ required: true }), content: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => editMessage(ctx, args),
  }),
  deleteMessage: t.field({
    type: MessageType,
    description: 'The sender, or the owner of a group room, deletes a message: content and reactions are erased.',
    args: { messageId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => deleteMessage(ctx, args),
  }),
  addReaction: t.field({
    type: MessageType,
    args: { messageId: t.arg.id({ required: true }), emoji: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => react(ctx, args, true),
  }),
  removeReaction: t.field({
    type: MessageType,
    args: { messageId: t.arg.id({ required: true }), emoji: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => react(ctx, args, false),
  }),
}));

builder.subscriptionField('messageAdded', (t) =>
  t.field({
    type: MessageType,
    description:
      'New messages of one room, or of every room of the caller when roomId is omitted.\n' +
      "With afterSeq (roomId required), first replays the room's stored messages with\n" +
      'seq > afterSeq in order, then continues live, with no gap and no duplicate.',
    args: { roomId: t.arg.id(), afterSeq: t.arg.int() },
    subscribe: (_root, args, ctx) => messageFeed(ctx, args),
    resolve: (message) => liveEvent(message),
  }),
);
