// Membership changes of group rooms: add members (any member), remove one (the owner), leave (anyone;
// an owner's role passes on). Each is one transaction under the room's lock (room-changes.ts); after
// commit, the events go out, the added members' all-rooms feeds start following the room, and a
// member who is gone stops typing (their subscriptions on the room end through the log itself).
import type { OperationContext } from '../context.ts';
import { insertMembers, lockMembership, moveToFormer, promoteNextOwner } from '../db/membership-store.ts';
import type { LockedRoom } from '../db/message-changes-store.ts';
import type { NewEvent } from '../db/room-events-store.ts';
import { findRoomForUser, type RoomRecord } from '../db/rooms-store.ts';
import { ensureUsers } from '../db/users-store.ts';
import { BadInput, Forbidden } from '../errors.ts';
import { enforceRateLimit } from '../limits/enforce.ts';
import { topics } from '../pubsub/topics.ts';
import * as input from './input.ts';
import { changeRoom } from './room-changes.ts';

function groupOnly(room: LockedRoom): void {
  if (room.kind !== 'GROUP') throw new BadInput('A direct room has no membership changes', 'roomId');
}

/** The room as the caller sees it after the change. */
async function roomAfter(ctx: OperationContext, roomId: string): Promise<RoomRecord> {
  return (await findRoomForUser(ctx.services.run, roomId, ctx.viewer.id))!.room;
}

export async function addMembers(ctx: OperationContext, args: { roomId: string; userIds: readonly string[] }): Promise<RoomRecord> {
  const roomId = input.roomId(args.roomId);
  const userIds = input.userIds(args.userIds, 'userIds');
  if (userIds.length === 0) throw new BadInput('userIds must name at least one user', 'userIds');
  const { maxRoomMembers } = ctx.services.config;
  if (userIds.length > maxRoomMembers) throw new BadInput(`a room has at most ${maxRoomMembers} members`, 'userIds');
  await enforceRateLimit(ctx, 'createRoom');
  await ensureUsers(ctx.em(), userIds);
  const { events } = await changeRoom(ctx, roomId, async (tx, room) => {
    groupOnly(room);
    const { added, members } = await insertMembers(tx, roomId, userIds);
    // Thrown inside the transaction: nobody is added.
    if (members > maxRoomMembers) throw new BadInput(`a room has at most ${maxRoomMembers} members`, 'userIds');
    const logged: NewEvent[] = added.map((userId) => ({ kind: 'MembershipChanged', actorId: ctx.viewer.id, userId, change: 'ADDED', role: 'MEMBER' }));
    return { answer: undefined, events: logged };
  });
  for (const event of events) {
    if (event.kind !== 'MembershipChanged') continue;
    await ctx.services.pubsub.publish(topics.roomJoined(event.userId), { roomId, afterEventSeq: event.eventSeq - 1 }).catch((error: unknown) => {
      ctx.services.logger.warn({ err: error, roomId, userId: event.userId }, 'member added but their feeds not told');
    });
  }
  return roomAfter(ctx, roomId);
}

export async function removeMember(ctx: OperationContext, args: { roomId: string; userId: string }): Promise<RoomRecord> {
  const roomId = input.roomId(args.roomId);
  const [userId] = input.userIds([args.userId], 'userId');
  if (userId === ctx.viewer.id) throw new BadInput('removeMember cannot name the caller: use leaveRoom', 'userId');
  await enforceRateLimit(ctx, 'createRoom');
  await changeRoom(
    ctx,
    roomId,
    async (tx, room) => {
      groupOnly(room);
      if (room.role !== 'OWNER') throw new Forbidden('Only the owner may remove members');
      if (!(await moveToFormer(tx, roomId, userId!, 'REMOVED'))) throw new BadInput(`${userId} is not a member of this room`, 'userId');
      return { answer: undefined, events: [{ kind: 'MembershipChanged', actorId: ctx.viewer.id, userId: userId!, change: 'REMOVED', role: null }] };
    },
    (tx) => lockMembership(tx, roomId, userId!),
  );
  await stopTyping(ctx, roomId, userId!);
  return roomAfter(ctx, roomId);
}

export async function leaveRoom(ctx: OperationContext, args: { roomId: string }): Promise<boolean> {
  const roomId = input.roomId(args.roomId);
  const { viewer } = ctx;
  await enforceRateLimit(ctx, 'createRoom');
  await changeRoom(
    ctx,
    roomId,
    async (tx, room) => {
      groupOnly(room);
      await moveToFormer(tx, roomId, viewer.id, 'LEFT');
      const events: NewEvent[] = [{ kind: 'MembershipChanged', actorId: viewer.id, userId: viewer.id, change: 'LEFT', role: null }];
      const nextOwner = room.role === 'OWNER' ? await promoteNextOwner(tx, roomId) : undefined;
      if (nextOwner) events.push({ kind: 'MembershipChanged', actorId: viewer.id, userId: nextOwner, change: 'ROLE_CHANGED', role: 'OWNER' });
      return { answer: undefined, events };
    },
    (tx) => lockMembership(tx, roomId, viewer.id),
  );
  await stopTyping(ctx, roomId, viewer.id);
  return true;
}

/** A member who is gone stops typing: their expiry is cancelled and a `false` goes out at once. */
async function stopTyping(ctx: OperationContext, roomId: string, userId: string): Promise<void> {
  const { typingTimers, pubsub, logger } = ctx.services;
  try {
    await typingTimers.cancel(`${roomId}:${userId}`);
    const { name } = await ctx.loaders.user.load(userId);
    await pubsub.publish(topics.typing(roomId), { roomId, userId, userName: name, isTyping: false, at: new Date().toISOString() });
  } catch (error) {
    logger.warn({ err: error, roomId, userId }, 'the typing of a member who is gone not ended');
  }
}
