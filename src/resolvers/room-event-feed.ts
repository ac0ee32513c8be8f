// roomEvents: one room's event log (replayed from afterEventSeq, then live), or the live events of
// every room of the viewer. See room-log-follower.ts for order and the end of a membership.
import type { OperationContext } from '../context.ts';
import { BadInput } from '../errors.ts';
import type { RoomEventPayload } from '../pubsub/topics.ts';
import { eventStream } from './event-stream.ts';
import * as input from './input.ts';
import { followAllRooms, followOneRoom } from './room-log-follower.ts';
import { roomOfViewer } from './rooms.ts';

export async function roomEventFeed(ctx: OperationContext, args: { roomId?: string | null; afterEventSeq?: number | null }) {
  const afterEventSeq = input.afterEventSeq(args.afterEventSeq);
  if (args.roomId === null || args.roomId === undefined) {
    if (afterEventSeq !== undefined) throw new BadInput('afterEventSeq needs a roomId', 'afterEventSeq');
    return eventStream<RoomEventPayload>(ctx, 'roomEvents', (scope) => followAllRooms(ctx, scope, scope.push));
  }
  // Its id only: the feed's closures keep what they name as long as the subscription.
  const { id: roomId } = await roomOfViewer(ctx, args.roomId);
  return eventStream<RoomEventPayload>(ctx, 'roomEvents', (scope) =>
    followOneRoom(
      ctx,
      scope,
      {
        roomId,
        // Past the newest event: nothing to replay, and the next event is new to this client.
        start: (position) => Math.min(afterEventSeq ?? position.lastEventSeq, position.lastEventSeq),
        replay: afterEventSeq !== undefined,
      },
      scope.push,
    ),
  );
}
