// messageAdded: one room's new messages (optionally replayed from afterSeq), or those of every room
// of the viewer, including rooms joined after the subscription started. It follows the room's event
// log (room-log-follower.ts) and shows its MessagePosted events: each room's messages arrive in seq
// order, exactly once, with no gap, and none after the viewer's membership ended.
import type { OperationContext } from '../context.ts';
import type { FeedPosition } from '../db/room-events-store.ts';
import { BadInput } from '../errors.ts';
import type { MessagePayload, RoomEventPayload } from '../pubsub/topics.ts';
import { eventStream } from './event-stream.ts';
import * as input from './input.ts';
import { trackPresence } from './presence.ts';
import { followAllRooms, followOneRoom } from './room-log-follower.ts';
import { roomOfViewer } from './rooms.ts';

/** The message of a MessagePosted event, counted in the delivery latency; nothing for other events. */
function newMessageOf(ctx: OperationContext, push: (message: MessagePayload) => void) {
  const latency = ctx.services.metrics.deliveryLatency;
  return (event: RoomEventPayload) => {
    if (event.kind !== 'MessagePosted') return;
    latency.observe(event.message.createdAt);
    push(event.message);
  };
}

export async function messageFeed(ctx: OperationContext, args: { roomId?: string | null; afterSeq?: number | null }) {
  const afterSeq = input.afterSeq(args.afterSeq);
  if (args.roomId === null || args.roomId === undefined) {
    if (afterSeq !== undefined) throw new BadInput('afterSeq needs a roomId', 'afterSeq');
    return eventStream<MessagePayload>(ctx, 'messageAdded', (scope) => followAllRooms(ctx, scope, newMessageOf(ctx, scope.push)));
  }
  // Its id only: the feed's closures keep what they name as long as the subscription.
  const { id: roomId } = await roomOfViewer(ctx, args.roomId);
  return eventStream<MessagePayload>(ctx, 'messageAdded', async (scope) => {
    // An afterSeq past the latest seq resumes from the latest message: the next one is new to this
    // client and must reach it (docs/contract/CONTRACT.md), though its seq is not above afterSeq.
    const start = (position: FeedPosition) => (afterSeq === undefined ? position.lastEventSeq : position.eventSeqOfSeq);
    await followOneRoom(ctx, scope, { roomId, start, replay: afterSeq !== undefined, afterSeq }, newMessageOf(ctx, scope.push));
    scope.defer(await trackPresence(ctx, roomId));
  });
}
