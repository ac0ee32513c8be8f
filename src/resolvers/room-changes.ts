// The one way a change to a room is made: a transaction that locks the room row first (so eventSeqs
// follow commit order with no gap), runs the change, appends its events, and publishes them only
// after the commit. A pub-sub failure loses nothing: feeds fill gaps from the log.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { OperationContext } from '../context.ts';
import { lockRoom, type LockedRoom } from '../db/message-changes-store.ts';
import { appendEvents, type NewEvent } from '../db/room-events-store.ts';
import { Forbidden, NotFound } from '../errors.ts';
import { topics, type RoomEventPayload } from '../pubsub/topics.ts';

export interface ChangeResult<R> {
  /** What the mutation answers. */
  answer: R;
  /** What to log, in order; none when the change changed nothing. */
  events?: NewEvent[];
}

/**
 * Runs `change` in a transaction holding the room's lock, as a member of the room (NOT_FOUND,
 * FORBIDDEN otherwise), then publishes the events it logged. `before` runs first in the transaction,
 * before the room's lock (a removal locks the member's row first, as a send does: see messages-store.ts).
 */
export async function changeRoom<R>(
  ctx: OperationContext,
  roomId: string,
  change: (tx: EntityManager, room: LockedRoom) => Promise<ChangeResult<R>>,
  before?: (tx: EntityManager) => Promise<void>,
): Promise<{ answer: R; events: RoomEventPayload[] }> {
  const result = await ctx.em().transactional(async (tx) => {
    await before?.(tx);
    const room = await lockRoom(tx, roomId, ctx.viewer.id);
    if (!room) throw new NotFound(`No room ${roomId}`);
    if (!room.role) throw new Forbidden(`You are not a member of room ${roomId}`);
    const { answer, events = [] } = await change(tx, room);
    return { answer, events: await appendEvents(tx, roomId, events) };
  });
  await publishEvents(ctx, roomId, result.events);
  return result;
}

export async function publishEvents(ctx: OperationContext, roomId: string, events: readonly RoomEventPayload[]): Promise<void> {
  const { pubsub, logger } = ctx.services;
  for (const event of events) {
    await pubsub.publish(topics.roomEvents(roomId), event).catch((error: unknown) => {
      logger.warn({ err: error, roomId, eventSeq: event.eventSeq }, 'room event stored but not published');
    });
  }
}
