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
import type { SequencedSource } from './feed-catch-up.ts';
import { RoomSequencer, type ReadStored } from './room-sequencer.ts';
import { roomOfViewer } from './rooms.ts';

function storedReader(ctx: OperationContext, roomId: string): ReadStored {
  return (afterSeq, beforeSeq, limit) =>
    messagesInRange(ctx.services.run, roomId, { afterSeq, beforeSeq, limit, from: 'oldest' });
}

/** A room's stored messages, where its feeds catch up when pub-sub resumes (feed-catch-up.ts). */
function roomMessages(ctx: OperationContext, roomId: string): SequencedSource<MessagePayload> {
  const read = storedReader(ctx, roomId);
  return { key: `messages:${roomId}`, read: (afterSeq, limit) => read(afterSeq, undefined, limit), seqOf: (message) => message.seq };
}

function sequencerFor(ctx: OperationContext, roomId: string, deliveredSeq: number, push: (m: MessagePayload) => void) {
  const latency = ctx.services.metrics.deliveryLatency;
  const deliver = (message: MessagePayload) => {
    latency.observe((Date.now() - Date.parse(message.createdAt)) / 1000);
    push(message);
  };
  return new RoomSequencer(deliveredSeq, storedReader(ctx, roomId), deliver, (error) =>
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
  return eventStream<MessagePayload>(ctx, 'messageAdded', async ({ push, defer }) => {
    let sequencer: RoomSequencer | undefined;
    const early: MessagePayload[] = [];
    // Subscribe first, then read the position: nothing committed in between can be missed.
    defer(
      await pubsub.subscribe(topics.messageAdded(room.id), (message) =>
        sequencer ? sequencer.offer(message) : early.push(message),
      ),
    );
    const latest = await lastSeqOfRoom(ctx.services.run, room.id);
    // An afterSeq past the latest seq resumes from the latest: the next message is new to this client
    // and must reach it (docs/contract/CONTRACT.md), though its seq is not above afterSeq.
    sequencer = sequencerFor(ctx, room.id, Math.min(afterSeq ?? latest, latest), push);
    if (afterSeq !== undefined) await sequencer.catchUp();
    for (const message of early) sequencer.offer(message);
    defer(ctx.services.feedCatchUp.follow(roomMessages(ctx, room.id), sequencer));
    defer(await trackPresence(ctx, room.id));
  });
}

function allRoomsFeed(ctx: OperationContext) {
  const { pubsub, logger, feedCatchUp } = ctx.services;
  const em = () => ctx.services.entityManager();
  return eventStream<MessagePayload>(ctx, 'messageAdded', async ({ push, defer }) => {
    const sequencers = new Map<string, RoomSequencer>();
    const unsubscribes: Unsubscribe[] = [];
    let stopped = false;
    defer(() => {
      stopped = true;
      for (const unsubscribe of unsubscribes) unsubscribe();
    });
    const follow = async (roomId: string, deliveredSeq: number) => {
      if (sequencers.has(roomId)) return;
      const sequencer = sequencerFor(ctx, roomId, deliveredSeq, push);
      sequencers.set(roomId, sequencer);
      unsubscribes.push(feedCatchUp.follow(roomMessages(ctx, roomId), sequencer));
      const unsubscribe = await pubsub.subscribe(topics.messageAdded(roomId), (message) => sequencer.offer(message));
      if (stopped) return unsubscribe();
      unsubscribes.push(unsubscribe);
    };
    unsubscribes.push(
      await pubsub.subscribe(topics.roomJoined(ctx.viewer.id), ({ roomId }) => {
        // A room joined after the feed started: its messages so far are new to this feed.
        follow(roomId, 0)
          .then(() => sequencers.get(roomId)?.catchUp())
          .catch((error: unknown) => logger.warn({ err: error, roomId }, 'could not follow a new room'));
      }),
    );
    // Rooms joined while pub-sub was away: their messages so far are new to this feed.
    unsubscribes.push(
      feedCatchUp.onResume(async () => {
        const joined = [...(await roomSeqsOfUser(em(), ctx.viewer.id)).keys()].filter((roomId) => !sequencers.has(roomId));
        await Promise.all(joined.map((roomId) => follow(roomId, 0).then(() => sequencers.get(roomId)?.catchUp())));
      }),
    );
    const positions = await roomSeqsOfUser(em(), ctx.viewer.id);
    await Promise.all([...positions].map(([roomId, lastSeq]) => follow(roomId, lastSeq)));
    // A message committed between that read and its room's subscription would wait for the room's
    // next message: read the positions again and catch up where they moved.
    const moved = [...(await roomSeqsOfUser(em(), ctx.viewer.id))].filter(([roomId, seq]) => seq > (positions.get(roomId) ?? seq));
    await Promise.all(moved.map(([roomId]) => sequencers.get(roomId)?.catchUp()));
  });
}
