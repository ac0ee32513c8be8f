// Rooms and membership in SQL: the race-safe direct pair, group creation, membership and listing.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { RoomKind } from './entities/room.ts';
import type { RoomRole } from './entities/room-member.ts';
import type { PreparedStatement, RunStatement, RunTransaction } from './prepared.ts';
import { appendEvents } from './room-events-store.ts';
import { isoTimestamp, placeholders } from './sql-values.ts';
import type { UserRecord } from './users-store.ts';

export interface RoomRecord {
  id: string;
  kind: RoomKind;
  title: string | null;
  createdAt: string;
  lastSeq: number;
  lastEventSeq: number;
  lastActivityAt: string;
}

export const roomColumns = (table = 'rooms') =>
  `${table}.id, ${table}.kind, ${table}.title, ${isoTimestamp(`${table}.created_at`)} as "createdAt", ${table}.last_seq as "lastSeq",
   ${table}.last_event_seq as "lastEventSeq", ${isoTimestamp(`${table}.last_activity_at`)} as "lastActivityAt"`;

const statements = {
  insertDirect: {
    name: 'chat_insert_direct_room',
    text: `insert into rooms (kind, direct_low, direct_high, created_by) values ('DIRECT', $1, $2, $3)
       on conflict (direct_low, direct_high) where kind = 'DIRECT' do nothing
       returning ${roomColumns()}`,
  },
  findDirect: {
    name: 'chat_find_direct_room',
    text: `select ${roomColumns()} from rooms where kind = 'DIRECT' and direct_low = $1 and direct_high = $2`,
  },
  insertGroup: { name: 'chat_insert_group_room', text: `insert into rooms (kind, title, created_by) values ('GROUP', $1, $2) returning ${roomColumns()}` },
  // The members come as a JSON array of {userId, role}: one statement, prepared once, for any number of them.
  insertInitialMembers: {
    name: 'chat_insert_initial_members',
    text: `insert into room_members (room_id, user_id, role, last_read_seq)
       select $1::uuid, m."userId", m.role, 0 from jsonb_to_recordset($2::jsonb) as m ("userId" text, role text)`,
  },
} satisfies Record<string, PreparedStatement>;

/**
 * The direct room of a pair, created with both members when missing. The partial unique index on
 * (direct_low, direct_high) lets exactly one concurrent creator insert; the others' insert does
 * nothing, and their second statement (a fresh snapshot, after the winner committed) finds the room.
 */
export async function getOrCreateDirectRoom(
  transaction: RunTransaction,
  run: RunStatement,
  creatorId: string,
  otherId: string,
): Promise<{ room: RoomRecord; created: boolean }> {
  const [low, high] = [creatorId, otherId].sort() as [string, string];
  const created = await transaction(async (tx) => {
    const [row] = await tx<RoomRecord>(statements.insertDirect, [low, high, creatorId]);
    if (!row) return undefined;
    await addInitialMembers(tx, row.id, creatorId, [creatorId, otherId], undefined);
    return row;
  });
  if (created) return { room: created, created: true };
  const [found] = await run<RoomRecord>(statements.findDirect, [low, high]);
  if (!found) throw new Error(`direct room of ${low} and ${high} neither inserted nor found`);
  return { room: found, created: false };
}

export async function createGroupRoom(
  transaction: RunTransaction,
  creatorId: string,
  memberIds: readonly string[],
  title: string | null,
): Promise<RoomRecord> {
  return transaction(async (tx) => {
    const [row] = await tx<RoomRecord>(statements.insertGroup, [title, creatorId]);
    await addInitialMembers(tx, row!.id, creatorId, memberIds, creatorId);
    return row!;
  });
}

/**
 * The members of a new room: the owner (a group's creator) OWNER, the rest MEMBER; nothing to read
 * yet. The room's log starts with one ADDED event per member, by the creator, the creator first
 * (`userIds` lists the creator first). No one else can see the room before this transaction
 * commits, so its eventSeqs need no lock.
 */
async function addInitialMembers(
  tx: RunStatement,
  roomId: string,
  creatorId: string,
  userIds: readonly string[],
  ownerId: string | undefined,
): Promise<void> {
  const members = userIds.map((userId) => ({ userId, role: userId === ownerId ? ('OWNER' as const) : ('MEMBER' as const) }));
  await tx(statements.insertInitialMembers, [roomId, JSON.stringify(members)]);
  await appendEvents(
    tx,
    roomId,
    members.map(({ userId, role }) => ({ kind: 'MembershipChanged', actorId: creatorId, userId, change: 'ADDED', role })),
  );
}

/** The room and whether the user is one of its members; undefined when there is no such room. */
const ROOM_FOR_USER: PreparedStatement = {
  name: 'chat_room_for_user',
  text: `select ${roomColumns('r')},
      exists (select 1 from room_members m where m.room_id = r.id and m.user_id = $2) as "isMember"
    from rooms r where r.id = $1`,
};

export async function findRoomForUser(
  run: RunStatement,
  roomId: string,
  userId: string,
): Promise<{ room: RoomRecord; isMember: boolean } | undefined> {
  const rows = await run<RoomRecord & { isMember: boolean }>(ROOM_FOR_USER, [roomId, userId]);
  const row = rows[0];
  if (!row) return undefined;
  const { isMember, ...room } = row;
  return { room, isMember };
}

export interface MembershipRecord {
  roomId: string;
  user: UserRecord;
  role: RoomRole;
  joinedAt: string;
  lastReadSeq: number;
}

type MembershipRow = Omit<MembershipRecord, 'user'> & { userId: string; userName: string | null };

/** The memberships of several rooms with their users' names, in one statement; each room's in joining order. */
export async function membershipsOfRooms(em: EntityManager, roomIds: readonly string[]): Promise<Map<string, MembershipRecord[]>> {
  const rows = await em.execute<MembershipRow[]>(
    `select m.room_id as "roomId", m.user_id as "userId", u.name as "userName", m.role, ${isoTimestamp('m.joined_at')} as "joinedAt",
       m.last_read_seq as "lastReadSeq"
     from room_members m join users u on u.id = m.user_id
     where m.room_id in (${placeholders(roomIds)}) order by m.joined_at, m.user_id`,
    [...roomIds],
  );
  const memberships = new Map<string, MembershipRecord[]>();
  for (const { roomId, userId, userName, role, joinedAt, lastReadSeq } of rows) {
    const membership = { roomId, user: { id: userId, name: userName }, role, joinedAt, lastReadSeq };
    memberships.set(roomId, [...(memberships.get(roomId) ?? []), membership]);
  }
  return memberships;
}

/** A position in "rooms by most recent activity": the activity time, then the id to break ties. */
export interface RoomPosition {
  lastActivityAt: string;
  id: string;
}

/** The user's rooms, most recent activity first, strictly after `after` when given. */
export async function roomsOfUser(
  em: EntityManager,
  userId: string,
  after: RoomPosition | undefined,
  limit: number,
): Promise<RoomRecord[]> {
  const rows = await em.execute<RoomRecord[]>(
    `select ${roomColumns('r')} from room_members m join rooms r on r.id = m.room_id
     where m.user_id = ? ${after ? 'and (r.last_activity_at, r.id) < (?::timestamptz, ?::uuid)' : ''}
     order by r.last_activity_at desc, r.id desc limit ?`,
    after ? [userId, after.lastActivityAt, after.id, limit] : [userId, limit],
  );
  return rows;
}
