// The room event log: the RoomEvent interface, one type per kind of change, and the roomEvents subscription.
import type { RoomEventPayload } from '../pubsub/topics.ts';
import { roomEventFeed } from '../resolvers/room-event-feed.ts';
import { liveEvent } from '../resolvers/live-stream.ts';
import { builder } from './builder.ts';
import { MessageType } from './message.ts';
import { RoomRoleType } from './room-member.ts';
import { UserType } from './user.ts';

type EventOf<K extends RoomEventPayload['kind']> = Extract<RoomEventPayload, { kind: K }>;

export const RoomEventType = builder.interfaceRef<RoomEventPayload>('RoomEvent').implement({
  description:
    "A change to a room, in the room's event log. eventSeq is 1, 2, 3 ... per room with no\ngaps, in commit order, over every kind of event below.",
  resolveType: (event) => event.kind,
  fields: (t) => ({
    roomId: t.exposeID('roomId'),
    eventSeq: t.exposeInt('eventSeq'),
    actorId: t.exposeID('actorId', { description: 'Who caused the change.' }),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

const messageEvent = (kind: 'MessagePosted' | 'MessageEdited' | 'MessageDeleted', description?: string) =>
  builder.objectRef<EventOf<'MessagePosted' | 'MessageEdited' | 'MessageDeleted'>>(kind).implement({
    description,
    interfaces: [RoomEventType],
    fields: (t) => ({ message: t.field({ type: MessageType, resolve: (event) => event.message }) }),
  });

messageEvent('MessagePosted', 'A message was sent. The message is as it is now (edited or deleted since, maybe).');
messageEvent('MessageEdited');
messageEvent('MessageDeleted');

builder.objectRef<EventOf<'ReactionChanged'>>('ReactionChanged').implement({
  interfaces: [RoomEventType],
  fields: (t) => ({
    message: t.field({ type: MessageType, resolve: (event) => event.message }),
    emoji: t.exposeString('emoji'),
    added: t.exposeBoolean('added', { description: 'true: actorId added this emoji; false: removed it.' }),
  }),
});

const MembershipChangeType = builder.enumType('MembershipChange', {
  values: {
    ADDED: {},
    REMOVED: {},
    LEFT: {},
    ROLE_CHANGED: { description: "The user's role changed; role says to what." },
  },
});

builder.objectRef<EventOf<'MembershipChanged'>>('MembershipChanged').implement({
  interfaces: [RoomEventType],
  fields: (t) => ({
    user: t.field({ type: UserType, resolve: (event, _args, ctx) => ctx.loaders.user.load(event.userId) }),
    change: t.field({ type: MembershipChangeType, resolve: (event) => event.change }),
    role: t.field({
      type: RoomRoleType,
      nullable: true,
      description: 'The role the user holds after the change; null when no longer a member.',
      resolve: (event) => event.role,
    }),
  }),
});

builder.subscriptionField('roomEvents', (t) =>
  t.field({
    type: RoomEventType,
    description:
      'Every change to one room, or to every room of the caller when roomId is omitted. With\n' +
      "afterEventSeq (roomId required), first replays the room's events with eventSeq >\n" +
      'afterEventSeq in order, then continues live, with no gap and no duplicate.',
    args: { roomId: t.arg.id(), afterEventSeq: t.arg.int() },
    subscribe: (_root, args, ctx) => roomEventFeed(ctx, args),
    resolve: (event) => liveEvent(event),
  }),
);
