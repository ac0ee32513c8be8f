// Read state: markRead moves the caller's read position forward and announces it; readReceipts
// carries those moves to the members of a room (or of every room of the caller), on every instance,
// until the member's membership ends.
import type { OperationContext } from '../context.ts';
import { markRead as storeMarkRead } from '../db/read-state-store.ts';
import { roomEventSeqsOfUser } from '../db/room-events-store.ts';
import type { RoomRecord } from '../db/rooms-store.ts';
import { Forbidden, NotFound } from '../errors.ts';
import { endsMembershipOf, topics, type ReadReceiptPayload, type RoomEventPayload } from '../pubsub/topics.ts';
import type { Unsubscribe } from '../pubsub/pubsub.ts';
import { eventStream } from './event-stream.ts';
import * as input from './input.ts';
import { endWithMembership } from './room-log-follower.ts';
import { roomOfViewer } from './rooms.ts';

/** Answers the room as the caller now sees it; a receipt goes out only when the position moved. */
export async function markRead(ctx: OperationContext, args: { roomId: string; seq: number }): Promise<RoomRecord> {
  const { viewer, services } = ctx;
  const roomId = input.roomId(args.roomId);
  const seq = input.readSeq(args.seq);
  const result = await storeMarkRead(services.run, roomId, viewer.id, seq);
  if (result.outcome === 'no-room') throw new NotFound(`No room ${roomId}`);
  if (result.outcome === 'not-a-member') throw new Forbidden(`You are not a member of room ${roomId}`);
  if (result.movedTo !== null) {
    ctx.loaders.forgetMembersOf(roomId);
    const receipt: ReadReceiptPayload = { roomId, userId: viewer.id, lastReadSeq: result.movedTo, at: new Date().toISOString() };
    // The position is stored whatever pub-sub does: the queries answer it, receipts are only the live notice.
    await services.pubsub.publish(topics.readReceipts(roomId), receipt).catch((error: unknown) => {
      services.logger.warn({ err: error, roomId }, 'read position stored but its receipt not published');
    });
  }
  return result.room;
}

/**
 * Two markRead calls that commit one after the other may publish in the other order: a subscription
 * passes on only receipts that move a member's position past the last one it delivered, so that a
 * client applying them in order never moves a position back.
 */
function forwardOnly(push: (receipt: ReadReceiptPayload) => void): (receipt: ReadReceiptPayload) => void {
  const delivered = new Map<string, number>();
  return (receipt) => {
    const key = `${receipt.roomId} ${receipt.userId}`;
    if ((delivered.get(key) ?? -1) >= receipt.lastReadSeq) return;
    delivered.set(key, receipt.lastReadSeq);
    push(receipt);
  };
}

export async function readReceiptsFeed(ctx: OperationContext, args: { roomId?: string | null }) {
  if (args.roomId === null || args.roomId === undefined) return allRoomsReceipts(ctx);
  const room = await roomOfViewer(ctx, args.roomId);
  return eventStream<ReadReceiptPayload>(ctx, 'readReceipts', async ({ push, defer, end }) => {
    defer(await ctx.services.pubsub.subscribe(topics.readReceipts(room.id), forwardOnly(push)));
    await endWithMembership(ctx, room.id, { defer, end });
  });
}

/**
 * Receipts of every room of the viewer, including rooms joined after the subscription started; a
 * room's receipts stop when its log says the viewer left or was removed.
 */
function allRoomsReceipts(ctx: OperationContext) {
  const { pubsub, logger } = ctx.services;
  return eventStream<ReadReceiptPayload>(ctx, 'readReceipts', async ({ push: pushAny, defer }) => {
    const push = forwardOnly(pushAny);
    const followed = new Map<string, Unsubscribe[]>();
    let stopped = false;
    const unfollow = (roomId: string) => {
      for (const unsubscribe of followed.get(roomId) ?? []) unsubscribe();
      followed.delete(roomId);
    };
    defer(() => {
      stopped = true;
      for (const roomId of [...followed.keys()]) unfollow(roomId);
    });
    const follow = async (roomId: string) => {
      if (followed.has(roomId)) return;
      const subscriptions: Unsubscribe[] = [];
      followed.set(roomId, subscriptions);
      const ended = (event: RoomEventPayload) => endsMembershipOf(event, ctx.viewer.id) && unfollow(roomId);
      subscriptions.push(await pubsub.subscribe(topics.roomEvents(roomId), ended));
      subscriptions.push(await pubsub.subscribe(topics.readReceipts(roomId), push));
      if (stopped || followed.get(roomId) !== subscriptions) subscriptions.forEach((unsubscribe) => unsubscribe());
    };
    // Rooms joined from now on first, then the rooms already joined: none is missed in between.
    defer(
      await pubsub.subscribe(topics.roomJoined(ctx.viewer.id), ({ roomId }) => {
        follow(roomId).catch((error: unknown) => logger.warn({ err: error, roomId }, 'could not follow the receipts of a new room'));
      }),
    );
    const rooms = await roomEventSeqsOfUser(ctx.services.entityManager(), ctx.viewer.id);
    await Promise.all([...rooms.keys()].map(follow));
  });
}
