// RoomMember and RoomRole: a member of a room with their role and read position.
import { ROOM_ROLES } from '../db/entities/room-member.ts';
import type { MembershipRecord } from '../db/rooms-store.ts';
import { builder } from './builder.ts';
import { UserType } from './user.ts';

export const RoomRoleType = builder.enumType('RoomRole', {
  values: {
    OWNER: { description: "The group room's creator, or whom the role passed to when the owner left." },
    MEMBER: {},
  } satisfies Record<(typeof ROOM_ROLES)[number], object>,
});

export const RoomMemberType = builder.objectRef<MembershipRecord>('RoomMember').implement({
  fields: (t) => ({
    user: t.field({ type: UserType, resolve: (membership) => membership.user }),
    role: t.field({ type: RoomRoleType, resolve: (membership) => membership.role }),
    joinedAt: t.expose('joinedAt', { type: 'DateTime' }),
    lastReadSeq: t.exposeInt('lastReadSeq', { description: 'The seq of the newest message this member has read; 0 when none.' }),
  }),
});
