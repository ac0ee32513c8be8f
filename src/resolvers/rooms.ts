// Rooms: create (rate-limited; direct get-or-create, or a new group), look up with membership checks, list.
import type { OperationContext } from '../context.ts';
import { createGroupRoom, findRoomForUser, getOrCreateDirectRoom, roomsOfUser, type RoomRecord } from '../db/rooms-store.ts';
import { ensureUsers } from '../db/users-store.ts';
import { Forbidden, NotFound } from '../errors.ts';
import { enforceRateLimit } from '../limits/enforce.ts';
import { topics } from '../pubsub/topics.ts';
import { roomCursor, roomPositionFromCursor } from './cursors.ts';
import * as input from './input.ts';

export interface CreateRoomResult {
  room: RoomRecord;
  created: boolean;
}

export async function createRoom(
  ctx: OperationContext,
  args: { participantIds: readonly string[]; title?: string | null | undefined },
): Promise<CreateRoomResult> {
  const { viewer, services } = ctx;
  const em = ctx.em();
  const others = input.otherParticipants(args.participantIds, viewer.id, services.config.maxRoomMembers);
  const title = input.title(args.title);
  // Before any database work, so a get-or-create of an existing direct room counts as well.
  await enforceRateLimit(ctx, 'createRoom');
  await ensureUsers(em, others);
  const result =
    others.length === 1
      ? await getOrCreateDirectRoom(services.transaction, services.run, viewer.id, others[0]!)
      : { room: await createGroupRoom(services.transaction, viewer.id, [viewer.id, ...others], title), created: true };
  if (result.created) {
    // After commit: every member's all-rooms message feeds start following the new room. The room is
    // stored whatever pub-sub does: failing here would make a client retry and create a second group.
    await Promise.all(
      [viewer.id, ...others].map((userId) =>
        services.pubsub.publish(topics.roomJoined(userId), { roomId: result.room.id, afterEventSeq: 0 }).catch((error: unknown) => {
          services.logger.warn({ err: error, roomId: result.room.id, userId }, 'room stored but its members not told');
        }),
      ),
    );
  }
  return result;
}

/** The room, when it exists and the viewer is a member: NOT_FOUND and FORBIDDEN otherwise. */
export async function roomOfViewer(ctx: OperationContext, id: string, argument = 'roomId'): Promise<RoomRecord> {
  const found = await findRoomForUser(ctx.services.run, input.roomId(id, argument), ctx.viewer.id);
  if (!found) throw new NotFound(`No room ${id}`);
  if (!found.isMember) throw new Forbidden(`You are not a member of room ${id}`);
  return found.room;
}

export async function listRooms(ctx: OperationContext, args: { first?: number | null; after?: string | null }) {
  const size = input.pageSize(args.first, 'first') ?? input.DEFAULT_PAGE_SIZE;
  const after = roomPositionFromCursor(args.after, 'after');
  const rooms = await roomsOfUser(ctx.em(), ctx.viewer.id, after, size + 1);
  const page = rooms.slice(0, size);
  const edges = page.map((room) => ({ cursor: roomCursor(room), node: room }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rooms.length > size,
      hasPreviousPage: after !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
