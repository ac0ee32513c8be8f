// messageAdded: one room's messages (optionally replayed from afterSeq), or those of every room of
// the viewer, including rooms created after the subscription started. Each room's messages arrive
// in seq order, exactly once, with no gap (see RoomSequencer).
import type { OperationContext } from '../context.ts';
import { messagesInRange } from '../db/messages-store.ts';
import { lastSeqOfRoom, roomSeqsOfUser } from '../db/rooms-store.ts';
import { BadInput } from '../errors.ts';
import { topics, type MessagePayload } from '../pubsub/topics.ts';
import type { Unsubscribe } from '../pubsub/pubsub.ts';
import { eventStream } from './event-stream.ts';
import * as input from './input.ts';
import { trackPresence } from './presence.ts';
import { RoomSequencer, type ReadStored } from './room-sequencer.ts';
import { roomOfViewer } from './rooms.ts';

function storedReader(ctx: OperationContext, roomId: string): ReadStored {
  return (afterSeq, beforeSeq, limit) =>
    messagesInRange(ctx.services.entityManager(), roomId, { afterSeq, beforeSeq, limit, from: 'oldest' });
}

function sequencerFor(ctx: OperationContext, roomId: string, deliveredSeq: number, push: (m: MessagePayload) => void) {
  return new RoomSequencer(deliveredSeq, storedReader(ctx, roomId), push, (error) =>
    ctx.services.logger.warn({ err: error, roomId }, 'could not read missed messages; retrying on the next event'),
  );
}

export async function messageFeed(ctx: OperationContext, args: { roomId?: string | null; afterSeq?: number | null }) {
  const afterSeq = input.afterSeq(args.afterSeq);
  if (args.roomId === null || args.roomId === undefined) {
    if (afterSeq !== undefined) {
      throw new BadInput('afterSeq needs a roomId', 'afterSeq');
    }
    return allRoomsFeed(ctx);
  }
  return roomFeed(ctx, args.roomId, afterSeq);
}

async function roomFeed(ctx: OperationContext, roomId: string, afterSeq: number | undefined) {
  const room = await roomOfViewer(ctx, roomId);
  const { pubsub } = ctx.services;
  return eventStream<MessagePayload>(async (push) => {
    let sequencer: RoomSequencer | undefined;
    const early: MessagePayload[] = [];
    // Subscribe first, then read the position: nothing committed in between can be missed.
    const unsubscribe = await pubsub.subscribe(topics.messageAdded(room.id), (message) =>
      sequencer ? sequencer.offer(message) : early.push(message),
    );
    const start = afterSeq ?? (await lastSeqOfRoom(ctx.services.entityManager(), room.id));
    sequencer = sequencerFor(ctx, room.id, start, push);
    if (afterSeq !== undefined) await sequencer.catchUp();
    for (const message of early) sequencer.offer(message);
    const leave = await trackPresence(ctx, room.id);
    return async () => {
      unsubscribe();
      await leave();
    };
  });
}

function allRoomsFeed(ctx: OperationContext) {
  const { pubsub, logger } = ctx.services;
  return eventStream<MessagePayload>(async (push) => {
    const followed = new Map<string, Unsubscribe | undefined>();
    let stopped = false;
    const follow = async (roomId: string, deliveredSeq: number, replay: boolean) => {
      if (followed.has(roomId)) return;
      followed.set(roomId, undefined);
      const sequencer = sequencerFor(ctx, roomId, deliveredSeq, push);
      const unsubscribe = await pubsub.subscribe(topics.messageAdded(roomId), (message) => sequencer.offer(message));
      if (stopped) return unsubscribe();
      followed.set(roomId, unsubscribe);
      // A room joined after the feed started: its messages so far are new to this feed.
      if (replay) await sequencer.catchUp();
    };
    const unsubscribeJoins = await pubsub.subscribe(topics.roomJoined(ctx.viewer.id), ({ roomId }) => {
      follow(roomId, 0, true).catch((error: unknown) => logger.warn({ err: error, roomId }, 'could not follow a new room'));
    });
    const rooms = await roomSeqsOfUser(ctx.services.entityManager(), ctx.viewer.id);
    await Promise.all([...rooms].map(([roomId, lastSeq]) => follow(roomId, lastSeq, false)));
    return () => {
      stopped = true;
      unsubscribeJoins();
      for (const unsubscribe of followed.values()) unsubscribe?.();
    };
  });
}
