// Following rooms' event logs for one subscriber, for messageAdded and roomEvents alike: one room
// (from a position, optionally replaying what follows it) or every room of the viewer, rooms joined
// later included. Each room's events reach `emit` in eventSeq order, once, with no gap (RoomSequencer).
//
// Membership ends in the log itself: the event that removes the viewer (or their leaving) is the
// last one of that room the follower emits, whatever raced with it (a replay, a publish from another
// instance), since events are emitted strictly in eventSeq order and nothing after it is.
import type { OperationContext } from '../context.ts';
import { eventsInRange, feedPosition, roomEventSeqsOfUser, type FeedPosition } from '../db/room-events-store.ts';
import { findRoomForUser } from '../db/rooms-store.ts';
import { Forbidden } from '../errors.ts';
import { endsMembershipOf, topics, type RoomEventPayload } from '../pubsub/topics.ts';
import type { Unsubscribe } from '../pubsub/pubsub.ts';
import type { StreamScope } from './event-stream.ts';
import type { SequencedSource } from './feed-catch-up.ts';
import { RoomSequencer } from './room-sequencer.ts';

export const noLongerMember = (roomId: string) => new Forbidden(`You are not a member of room ${roomId}`);

function sequencerFor(ctx: OperationContext, roomId: string, delivered: number, emit: (event: RoomEventPayload) => void) {
  const read = (after: number, before: number | undefined, limit: number) => eventsInRange(ctx.services.run, roomId, after, before, limit);
  return new RoomSequencer(delivered, read, emit, (error) =>
    ctx.services.logger.warn({ err: error, roomId }, 'could not read missed events; retrying on the next event'),
  );
}

/** A room's stored events, where its feeds catch up when pub-sub resumes after an outage (feed-catch-up.ts). */
function roomEventsSource(ctx: OperationContext, roomId: string): SequencedSource<RoomEventPayload> {
  return {
    key: `events:${roomId}`,
    read: (afterEventSeq, limit) => eventsInRange(ctx.services.run, roomId, afterEventSeq, undefined, limit),
    seqOf: (event) => event.eventSeq,
  };
}

export interface OneRoom {
  roomId: string;
  /** The last eventSeq the subscriber has, from the position read with the membership. */
  start: (position: FeedPosition) => number;
  /** Replay the stored events after the start before going live. */
  replay: boolean;
  /** For messageAdded's afterSeq: the seq whose eventSeq `position.eventSeqOfSeq` answers. */
  afterSeq?: number | undefined;
}

/**
 * Follows one room. Subscribes first, then reads the position and the membership in one snapshot:
 * nothing committed in between is missed, and a removal committed before that read refuses the
 * feed (FORBIDDEN) instead of letting it start after the removal. After the viewer's membership
 * ends, `emit` gets that event (`onEnd` decides what of it to show) and the stream ends FORBIDDEN.
 */
export async function followOneRoom(
  ctx: OperationContext,
  scope: Pick<StreamScope<unknown>, 'defer' | 'end'>,
  room: OneRoom,
  emit: (event: RoomEventPayload) => void,
): Promise<void> {
  const { pubsub, run } = ctx.services;
  let sequencer: RoomSequencer | undefined;
  const early: RoomEventPayload[] = [];
  scope.defer(await pubsub.subscribe(topics.roomEvents(room.roomId), (event) => (sequencer ? sequencer.offer(event) : early.push(event))));
  const position = await feedPosition(run, room.roomId, ctx.viewer.id, room.afterSeq);
  if (!position?.isMember) throw noLongerMember(room.roomId);
  const following: RoomSequencer = (sequencer = sequencerFor(ctx, room.roomId, room.start(position), (event) => {
    emit(event);
    if (endsMembershipOf(event, ctx.viewer.id)) {
      following.stop();
      scope.end(noLongerMember(room.roomId));
    }
  }));
  if (room.replay) await sequencer.catchUp();
  for (const event of early) sequencer.offer(event);
  scope.defer(ctx.services.feedCatchUp.follow(roomEventsSource(ctx, room.roomId), sequencer));
}

interface Followed {
  readonly sequencer: RoomSequencer;
  unsubscribe?: Unsubscribe;
  /** Leaves the catch-up after a pub-sub outage. */
  stopCatchUp?: () => void;
  /** Added back while its leaving was still on its way: follow again from here once it arrives. */
  rejoinAfter?: number;
}

/**
 * Follows every room of the viewer: those of now, and each room they are added to from its ADDED
 * event on (the roomJoined topic says where). A room they leave or are removed from is followed up to
 * that event, then dropped.
 */
export async function followAllRooms(ctx: OperationContext, scope: Pick<StreamScope<unknown>, 'defer'>, emit: (event: RoomEventPayload) => void) {
  const { pubsub, logger, feedCatchUp } = ctx.services;
  const followed = new Map<string, Followed>();
  let stopped = false;
  scope.defer(() => {
    stopped = true;
    for (const entry of followed.values()) {
      entry.unsubscribe?.();
      entry.stopCatchUp?.();
    }
  });
  const unfollow = (roomId: string, entry: Followed) => {
    entry.sequencer.stop();
    entry.unsubscribe?.();
    entry.stopCatchUp?.();
    if (followed.get(roomId) === entry) followed.delete(roomId);
    if (entry.rejoinAfter !== undefined) follow(roomId, entry.rejoinAfter, true).catch((error: unknown) => warn(error, roomId));
  };
  const follow = async (roomId: string, delivered: number, catchUp: boolean) => {
    const existing = followed.get(roomId);
    if (existing) {
      // An ADDED still ahead of this room's position is a return after a leaving not yet seen.
      if (delivered >= existing.sequencer.position) existing.rejoinAfter = delivered;
      return;
    }
    const entry: Followed = {
      sequencer: sequencerFor(ctx, roomId, delivered, (event) => {
        if (event.kind === 'MembershipChanged' && event.userId === ctx.viewer.id && event.change === 'ADDED') entry.rejoinAfter = undefined;
        emit(event);
        if (endsMembershipOf(event, ctx.viewer.id)) unfollow(roomId, entry);
      }),
    };
    followed.set(roomId, entry);
    const unsubscribe = await pubsub.subscribe(topics.roomEvents(roomId), (event) => entry.sequencer.offer(event));
    if (stopped || followed.get(roomId) !== entry) return unsubscribe();
    entry.unsubscribe = unsubscribe;
    entry.stopCatchUp = feedCatchUp.follow(roomEventsSource(ctx, roomId), entry.sequencer);
    if (catchUp) await entry.sequencer.catchUp();
  };
  const warn = (error: unknown, roomId: string) => logger.warn({ err: error, roomId }, 'could not follow a room');
  scope.defer(
    await pubsub.subscribe(topics.roomJoined(ctx.viewer.id), ({ roomId, afterEventSeq }) => {
      follow(roomId, afterEventSeq, true).catch((error: unknown) => warn(error, roomId));
    }),
  );
  const em = () => ctx.services.entityManager();
  // Rooms joined while pub-sub was away (their roomJoined lost): followed from their start, as joined rooms are.
  scope.defer(
    feedCatchUp.onResume(async () => {
      const joined = [...(await roomEventSeqsOfUser(em(), ctx.viewer.id)).keys()].filter((roomId) => !followed.has(roomId));
      await Promise.all(joined.map((roomId) => follow(roomId, 0, true)));
    }),
  );
  const positions = await roomEventSeqsOfUser(em(), ctx.viewer.id);
  await Promise.all([...positions].map(([roomId, lastEventSeq]) => follow(roomId, lastEventSeq, false)));
  // An event committed between that read and its room's subscription would wait for the room's next
  // event: read the positions again and catch up where they moved.
  const moved = [...(await roomEventSeqsOfUser(em(), ctx.viewer.id))].filter(([roomId, seq]) => seq > (positions.get(roomId) ?? seq));
  await Promise.all(moved.map(([roomId]) => followed.get(roomId)?.sequencer.catchUp()));
}

/**
 * For a room feed that does not follow the log (typing, presence): ends it FORBIDDEN when the log
 * says the viewer's membership ended. Watches first, then checks the membership, so that a removal
 * committed at the moment the feed starts is caught by one or the other.
 */
export async function endWithMembership(ctx: OperationContext, roomId: string, scope: Pick<StreamScope<unknown>, 'defer' | 'end'>) {
  const watch = (event: RoomEventPayload) => endsMembershipOf(event, ctx.viewer.id) && scope.end(noLongerMember(roomId));
  scope.defer(await ctx.services.pubsub.subscribe(topics.roomEvents(roomId), watch));
  const found = await findRoomForUser(ctx.services.run, roomId, ctx.viewer.id);
  if (!found?.isMember) throw noLongerMember(roomId);
}
