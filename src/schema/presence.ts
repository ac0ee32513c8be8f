// Presence: who is online in a room now, and the ONLINE/OFFLINE transitions.
import type { PresencePayload } from '../pubsub/topics.ts';
import { onlineMembers, presenceFeed } from '../resolvers/presence.ts';
import { liveEvent } from '../resolvers/live-stream.ts';
import { builder } from './builder.ts';
import { UserType } from './user.ts';

const PresenceStatusType = builder.enumType('PresenceStatus', { values: ['ONLINE', 'OFFLINE'] as const });

const PresenceEventType = builder.objectRef<PresencePayload>('PresenceEvent').implement({
  fields: (t) => ({
    roomId: t.exposeID('roomId'),
    userId: t.exposeID('userId'),
    userName: t.exposeString('userName', { nullable: true }),
    status: t.field({ type: PresenceStatusType, resolve: (event) => event.status }),
    at: t.expose('at', { type: 'DateTime' }),
  }),
});

builder.queryField('onlineMembers', (t) =>
  t.field({
    type: [UserType],
    description: 'Members of the room who are online in it right now, on any instance.',
    args: { roomId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => onlineMembers(ctx, args.roomId),
  }),
);

builder.subscriptionField('presence', (t) =>
  t.field({
    type: PresenceEventType,
    description: "ONLINE/OFFLINE transitions of the room's members.",
    args: { roomId: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) => presenceFeed(ctx, args.roomId),
    resolve: (event) => liveEvent(event),
  }),
);
