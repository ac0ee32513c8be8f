// Messages: send (rate-limited, stored with its MessagePosted event, then published after commit) and page through a room's history.
import type { OperationContext } from '../context.ts';
import { findByClientMessageId, messagesInRange, type NewMessage } from '../db/messages-store.ts';
import { roomOfMessage } from '../db/message-changes-store.ts';
import { findRoomForUser } from '../db/rooms-store.ts';
import { BadInput, Forbidden, NotFound } from '../errors.ts';
import { rateLimitRefusal } from '../limits/enforce.ts';
import { topics, type MessagePayload } from '../pubsub/topics.ts';
import { messageCursor, seqFromCursor } from './cursors.ts';
import * as input from './input.ts';

export async function sendMessage(
  ctx: OperationContext,
  args: { roomId: string; content: string; clientMessageId?: string | null | undefined; replyToId?: string | null | undefined },
): Promise<MessagePayload> {
  const { viewer, services } = ctx;
  const roomId = input.roomId(args.roomId);
  const message: NewMessage = {
    roomId,
    senderId: viewer.id,
    senderName: viewer.name,
    content: input.content(args.content, services.config.maxMessageLength),
    clientMessageId: input.clientMessageId(args.clientMessageId),
    replyToId: input.replyToId(args.replyToId),
  };
  const refusal = await rateLimitRefusal(ctx, 'sendMessage');
  if (refusal) {
    // A retry of a send that was stored stores nothing new, so the limit does not stand in its way:
    // the client gets its answer instead of retrying an acknowledged message until the bucket refills.
    const earlier = message.clientMessageId === null ? undefined : await findByClientMessageId(services.run, message);
    if (earlier) return earlier;
    throw refusal;
  }
  if (message.replyToId !== null && (await roomOfMessage(services.run, message.replyToId)) !== roomId) {
    throw new BadInput('replyToId is not a message of this room', 'replyToId');
  }
  const result = await services.storeMessage(message);
  if (result.outcome === 'not-a-member') {
    const found = await findRoomForUser(services.run, roomId, viewer.id);
    throw found ? new Forbidden(`You are not a member of room ${roomId}`) : new NotFound(`No room ${roomId}`);
  }
  if (result.outcome === 'stored') {
    services.metrics.messagesSent.inc();
    // Stored is what counts: a pub-sub failure loses no message, since feeds fill gaps from storage.
    // So the answer does not wait for Redis to take the event (pubsub.ts, publish).
    const { message: stored } = result;
    const event = { kind: 'MessagePosted', roomId, eventSeq: stored.eventSeq, actorId: stored.senderId, at: stored.createdAt, message: stored } as const;
    void services.pubsub.publish(topics.roomEvents(roomId), event).catch((error: unknown) => {
      services.logger.warn({ err: error, roomId, seq: stored.seq }, 'message stored but not published');
    });
  }
  return result.message;
}

export interface PageArgs {
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}

/** A Relay connection over a room's messages, oldest-first in each page; by default the newest 50. */
export async function pageMessages(ctx: OperationContext, roomId: string, args: PageArgs) {
  const first = input.pageSize(args.first, 'first');
  const last = input.pageSize(args.last, 'last');
  if (first !== undefined && last !== undefined) {
    throw new BadInput('Pass first or last, not both', 'first');
  }
  const afterSeq = seqFromCursor(args.after, 'after');
  const beforeSeq = seqFromCursor(args.before, 'before');
  const forward = first !== undefined || (last === undefined && afterSeq !== undefined && beforeSeq === undefined);
  const size = first ?? last ?? input.DEFAULT_PAGE_SIZE;
  const rows = await messagesInRange(ctx.services.run, roomId, { afterSeq, beforeSeq, limit: size + 1, from: forward ? 'oldest' : 'newest' });
  const page = forward ? rows.slice(0, size) : rows.slice(Math.max(0, rows.length - size));
  const edges = page.map((node) => ({ cursor: messageCursor(node.seq), node }));
  // Seqs are 1, 2, 3 ... with no gaps, so whether anything precedes a page is arithmetic.
  const firstSeq = page[0]?.seq ?? (afterSeq ?? 0) + 1;
  return {
    edges,
    pageInfo: {
      hasNextPage: forward ? rows.length > size : beforeSeq !== undefined,
      hasPreviousPage: forward ? firstSeq > 1 : rows.length > size,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
