// Room, its connection, and the operations on rooms.
import type { RoomRecord } from '../db/rooms-store.ts';
import { addMembers, leaveRoom, removeMember } from '../resolvers/membership.ts';
import { pageMessages } from '../resolvers/messages.ts';
import { createRoom, listRooms, roomOfViewer } from '../resolvers/rooms.ts';
import { builder } from './builder.ts';
import { MessageConnectionType, MessageType } from './message.ts';
import { PageInfoType, type PageInfoModel } from './page-info.ts';
import { RoomMemberType } from './room-member.ts';
import { UserType } from './user.ts';

const RoomKindType = builder.enumType('RoomKind', { values: ['DIRECT', 'GROUP'] as const });

export const RoomType = builder.objectRef<RoomRecord>('Room').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: RoomKindType, resolve: (room) => room.kind }),
    title: t.exposeString('title', { nullable: true }),
    members: t.field({
      type: [UserType],
      resolve: async (room, _args, ctx) => (await ctx.loaders.memberships.load(room.id)).map((membership) => membership.user),
    }),
    memberships: t.field({
      type: [RoomMemberType],
      description: 'Every member with their role and read position (what read receipts show).',
      resolve: (room, _args, ctx) => ctx.loaders.memberships.load(room.id),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastEventSeq: t.exposeInt('lastEventSeq', {
      description: "The eventSeq of the room's newest event: where a roomEvents subscription may resume from.",
    }),
    lastMessage: t.field({
      type: MessageType,
      nullable: true,
      resolve: (room, _args, ctx) => (room.lastSeq === 0 ? null : ctx.loaders.lastMessage.load(room.id)),
    }),
    messages: t.field({
      type: MessageConnectionType,
      description: 'Messages oldest-first inside a page; `last` + `before` page backwards from the newest.',
      args: { first: t.arg.int(), after: t.arg.string(), last: t.arg.int(), before: t.arg.string() },
      resolve: (room, args, ctx) => pageMessages(ctx, room.id, args),
    }),
  }),
});

interface RoomConnectionModel {
  edges: { cursor: string; node: RoomRecord }[];
  pageInfo: PageInfoModel;
}

const RoomEdgeType = builder.objectRef<RoomConnectionModel['edges'][number]>('RoomEdge').implement({
  fields: (t) => ({
    cursor: t.exposeString('cursor'),
    node: t.field({ type: RoomType, resolve: (edge) => edge.node }),
  }),
});

const RoomConnectionType = builder.objectRef<RoomConnectionModel>('RoomConnection').implement({
  fields: (t) => ({
    edges: t.field({ type: [RoomEdgeType], resolve: (connection) => connection.edges }),
    pageInfo: t.field({ type: PageInfoType, resolve: (connection) => connection.pageInfo }),
  }),
});

const CreateRoomPayloadType = builder
  .objectRef<{ room: RoomRecord; created: boolean }>('CreateRoomPayload')
  .implement({
    fields: (t) => ({
      room: t.field({ type: RoomType, resolve: (payload) => payload.room }),
      created: t.exposeBoolean('created', {
        description: 'false when an existing direct room between the same two users was returned',
      }),
    }),
  });

builder.queryFields((t) => ({
  rooms: t.field({
    type: RoomConnectionType,
    description: 'Rooms the caller is a member of, most recent activity first.',
    args: { first: t.arg.int(), after: t.arg.string() },
    resolve: (_root, args, ctx) => listRooms(ctx, args),
  }),
  room: t.field({
    type: RoomType,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => roomOfViewer(ctx, args.id, 'id'),
  }),
}));

builder.mutationField('createRoom', (t) =>
  t.field({
    type: CreateRoomPayloadType,
    description:
      'The caller is always a member. One other participant: the direct room of that pair,\n' +
      'created if missing (idempotent, order- and race-safe). Two or more others: a new group room.',
    args: { participantIds: t.arg.idList({ required: true }), title: t.arg.string() },
    resolve: (_root, args, ctx) => createRoom(ctx, args),
  }),
);

builder.mutationFields((t) => ({
  addMembers: t.field({
    type: RoomType,
    description: 'Any member of a group room adds users; users already members are ignored.',
    args: { roomId: t.arg.id({ required: true }), userIds: t.arg.idList({ required: true }) },
    resolve: (_root, args, ctx) => addMembers(ctx, args),
  }),
  removeMember: t.field({
    type: RoomType,
    description: 'The owner of a group room removes a member.',
    args: { roomId: t.arg.id({ required: true }), userId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => removeMember(ctx, args),
  }),
  leaveRoom: t.boolean({
    description: 'The caller leaves a group room.',
    args: { roomId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => leaveRoom(ctx, args),
  }),
}));
