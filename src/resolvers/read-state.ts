// Read state: markRead moves the caller's read position forward and announces it; readReceipts
// carries those moves to the members of a room (or of every room of the caller), on every instance.
import type { OperationContext } from '../context.ts';
import { markRead as storeMarkRead } from '../db/read-state-store.ts';
import type { RoomRecord } from '../db/rooms-store.ts';
import { roomSeqsOfUser } from '../db/rooms-store.ts';
import { Forbidden, NotFound } from '../errors.ts';
import { topics, type ReadReceiptPayload } from '../pubsub/topics.ts';
import type { Unsubscribe } from '../pubsub/pubsub.ts';
import { eventStream } from './event-stream.ts';
import * as input from './input.ts';
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
  return eventStream<ReadReceiptPayload>(ctx, 'readReceipts', async ({ push, defer }) => {
    defer(await ctx.services.pubsub.subscribe(topics.readReceipts(room.id), forwardOnly(push)));
  });
}

/** Receipts of every room of the viewer, including rooms joined after the subscription started. */
function allRoomsReceipts(ctx: OperationContext) {
  const { pubsub, logger } = ctx.services;
  return eventStream<ReadReceiptPayload>(ctx, 'readReceipts', async ({ push: pushAny, defer }) => {
    const push = forwardOnly(pushAny);
    const followed = new Set<string>();
    const unsubscribes: Unsubscribe[] = [];
    let stopped = false;
    defer(() => {
      stopped = true;
      for (const unsubscribe of unsubscribes) unsubscribe();
    });
    const follow = async (roomId: string) => {
      if (followed.has(roomId)) return;
      followed.add(roomId);
      const unsubscribe = await pubsub.subscribe(topics.readReceipts(roomId), push);
      if (stopped) return unsubscribe();
      unsubscribes.push(unsubscribe);
    };
    // Rooms joined from now on first, then the rooms already joined: none is missed in between.
    unsubscribes.push(
      await pubsub.subscribe(topics.roomJoined(ctx.viewer.id), ({ roomId }) => {
        follow(roomId).catch((error: unknown) => logger.warn({ err: error, roomId }, 'could not follow the receipts of a new room'));
      }),
    );
    const rooms = await roomSeqsOfUser(ctx.services.entityManager(), ctx.viewer.id);
    await Promise.all([...rooms.keys()].map(follow));
  });
}
