// Presence: a member is online in a room while one of their room-scoped subscriptions is open there,
// on the WebSocket or over server-sent events (GraphiQL's, curl's). Transitions (first opened, last
// closed) are announced on the room's presence topic.
import type { OperationContext } from '../context.ts';
import { topics, type PresencePayload, type PresenceStatus } from '../pubsub/topics.ts';
import type { UserRecord } from '../db/users-store.ts';
import type { Cleanup } from './event-stream.ts';
import { eventStream } from './event-stream.ts';
import { endWithMembership } from './room-log-follower.ts';
import { roomOfViewer } from './rooms.ts';

/** Counts the viewer present in the room until the returned cleanup runs. */
export async function trackPresence(ctx: OperationContext, roomId: string): Promise<Cleanup> {
  const { presence } = ctx.services;
  if (await presence.enter(roomId, ctx.viewer.id)) await announce(ctx, roomId, 'ONLINE');
  return async () => {
    if (await presence.leave(roomId, ctx.viewer.id)) await announce(ctx, roomId, 'OFFLINE');
  };
}

async function announce(ctx: OperationContext, roomId: string, status: PresenceStatus): Promise<void> {
  const { viewer, services } = ctx;
  const event = { roomId, userId: viewer.id, userName: viewer.name, status, at: new Date().toISOString() };
  await services.pubsub.publish(topics.presence(roomId), event).catch((error: unknown) => {
    services.logger.warn({ err: error, roomId, status }, 'presence change not published');
  });
}

export async function onlineMembers(ctx: OperationContext, roomId: string): Promise<UserRecord[]> {
  const room = await roomOfViewer(ctx, roomId);
  const ids = await ctx.services.presence.online(room.id);
  return Promise.all(ids.map((id) => ctx.loaders.user.load(id)));
}

export async function presenceFeed(ctx: OperationContext, roomId: string) {
  const room = await roomOfViewer(ctx, roomId);
  return eventStream<PresencePayload>(ctx, 'presence', async ({ push, defer, end }) => {
    await endWithMembership(ctx, room.id, { defer, end });
    defer(await ctx.services.pubsub.subscribe(topics.presence(room.id), push));
    defer(await trackPresence(ctx, room.id));
  });
}
