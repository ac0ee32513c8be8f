// Typing indicators: rate-limited, never stored, delivered to the room's other members, expired by the server.
import type { OperationContext } from '../context.ts';
import { enforceRateLimit } from '../limits/enforce.ts';
import { topics, type TypingPayload } from '../pubsub/topics.ts';
import { eventStream } from './event-stream.ts';
import { trackPresence } from './presence.ts';
import * as input from './input.ts';
import { endWithMembership } from './room-log-follower.ts';
import { roomOfViewer } from './rooms.ts';

export async function setTyping(ctx: OperationContext, args: { roomId: string; isTyping: boolean }): Promise<boolean> {
  input.roomId(args.roomId); // a malformed id is BAD_USER_INPUT, over the limit or not
  // Before the membership look-up, so a refused flood costs no database work. Both true and false
  // count: a refused false leaves the indicator on only until the server expires it.
  await enforceRateLimit(ctx, 'setTyping');
  const room = await roomOfViewer(ctx, args.roomId);
  const { viewer, services } = ctx;
  const publish = (isTyping: boolean) =>
    services.pubsub.publish(topics.typing(room.id), {
      roomId: room.id,
      userId: viewer.id,
      userName: viewer.name,
      isTyping,
      at: new Date().toISOString(),
    });
  const key = `${room.id}:${viewer.id}`;
  if (args.isTyping) {
    await services.typingTimers.start(key, () => {
      publish(false).catch((error: unknown) => services.logger.warn({ err: error }, 'typing expiry not published'));
    });
  } else {
    await services.typingTimers.cancel(key);
  }
  await publish(args.isTyping);
  return true;
}

/** The typing changes of the room's other members; the viewer's own are left out. */
export async function typingFeed(ctx: OperationContext, roomId: string) {
  const room = await roomOfViewer(ctx, roomId);
  return eventStream<TypingPayload>(ctx, 'typing', async ({ push, defer, end }) => {
    await endWithMembership(ctx, room.id, { defer, end });
    // Counted present first: any event this subscriber sees then implies it is counted.
    defer(await trackPresence(ctx, room.id));
    defer(
      await ctx.services.pubsub.subscribe(topics.typing(room.id), (event) => {
        if (event.userId !== ctx.viewer.id) push(event);
      }),
    );
  });
}
