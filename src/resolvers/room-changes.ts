// The one way a change to a room is made: a transaction that locks the room row first (so eventSeqs
// follow commit order with no gap), runs the change, appends its events, and publishes them only
// after the commit. A pub-sub failure loses nothing: feeds fill gaps from the log.
import type { OperationContext } from '../context.ts';
import { lockRoom, type LockedRoom } from '../db/message-changes-store.ts';
import type { RunStatement } from '../db/prepared.ts';
import { appendEvents, type NewEvent } from '../db/room-events-store.ts';
import { isDeadlock } from '../db/sql-values.ts';
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
  change: (tx: RunStatement, room: LockedRoom) => Promise<ChangeResult<R>>,
  before?: (tx: RunStatement) => Promise<void>,
): Promise<{ answer: R; events: RoomEventPayload[] }> {
  const attempt = () =>
    ctx.services.transaction(async (tx) => {
      await before?.(tx);
      const room = await lockRoom(tx, roomId, ctx.viewer.id);
      if (!room) throw new NotFound(`No room ${roomId}`);
      if (!room.role) throw new Forbidden(`You are not a member of room ${roomId}`);
      const { answer, events = [] } = await change(tx, room);
      return { answer, events: await appendEvents(tx, roomId, events) };
    });
  const result = await retryDeadlocks(attempt);
  publishEvents(ctx, roomId, result.events);
  return result;
}

const DEADLOCK_ATTEMPTS = 5;
/** A retry waits a little, so that the transaction that won the deadlock takes the row lock first. */
const retryDelay = () => new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));

/**
 * Runs the transaction again when PostgreSQL broke a deadlock by rolling it back. Locks are taken
 * member row, then room row (as sends do), but an owner leaving then updates the next owner's row,
 * which a removal of that member may hold while it waits for the room: one of the two is rolled back
 * (after deadlock_timeout, 1 s by default) and runs again, a moment later, on the state the other
 * committed.
 */
async function retryDeadlocks<R>(attempt: () => Promise<R>): Promise<R> {
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (error) {
      if (attempts >= DEADLOCK_ATTEMPTS || !isDeadlock(error)) throw error;
    }
    await retryDelay();
  }
}

/** Publishes a change's events, in order, without waiting for Redis to take them (pubsub.ts, publish). */
export function publishEvents(ctx: OperationContext, roomId: string, events: readonly RoomEventPayload[]): void {
  const { pubsub, logger } = ctx.services;
  for (const event of events) {
    void pubsub.publish(topics.roomEvents(roomId), event).catch((error: unknown) => {
      logger.warn({ err: error, roomId, eventSeq: event.eventSeq }, 'room event stored but not published');
    });
  }
}
