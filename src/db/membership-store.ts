// Membership changes in SQL, each inside the caller's transaction (which holds the room's lock):
// adding members, moving a member who leaves or is removed to room_former_members (room_members
// holds current members only), and choosing the next owner.
import type { EntityManager } from '@mikro-orm/postgresql';
import { placeholders } from './sql-values.ts';

/**
 * Locks a member's row before the room's: the order a send takes them in (messages-store.ts), so that
 * a send by that member either commits before the removal or finds them gone, and never deadlocks.
 */
export async function lockMembership(tx: EntityManager, roomId: string, userId: string): Promise<void> {
  await tx.execute('select 1 from room_members where room_id = ? and user_id = ? for update', [roomId, userId]);
}

/**
 * Adds those of `userIds` who are not members, as MEMBERs whose read position starts at the room's
 * newest message; answers those added (in `userIds` order) and the number of members after.
 */
export async function insertMembers(tx: EntityManager, roomId: string, userIds: readonly string[]) {
  const rows = await tx.execute<{ userId: string }[]>(
    `insert into room_members (room_id, user_id, role, last_read_seq)
     select r.id, u.id, 'MEMBER', r.last_seq from rooms r, (values ${userIds.map(() => '(?)').join(', ')}) as u (id) where r.id = ?
     on conflict (room_id, user_id) do nothing returning user_id as "userId"`,
    [...userIds, roomId],
  );
  const added = new Set(rows.map((row) => row.userId));
  if (added.size > 0) {
    await tx.execute(`delete from room_former_members where room_id = ? and user_id in (${placeholders([...added])})`, [roomId, ...added]);
  }
  const counted = await tx.execute<{ members: number }[]>('select count(*)::int as members from room_members where room_id = ?', [roomId]);
  return { added: userIds.filter((id) => added.has(id)), members: counted[0]!.members };
}

/** Moves the member to room_former_members; answers whether they were a member. */
export async function moveToFormer(tx: EntityManager, roomId: string, userId: string, change: 'REMOVED' | 'LEFT'): Promise<boolean> {
  const rows = await tx.execute<{ userId: string }[]>(
    `with gone as (delete from room_members where room_id = ? and user_id = ? returning room_id, user_id)
     insert into room_former_members (room_id, user_id, change) select room_id, user_id, ? from gone
     on conflict (room_id, user_id) do update set change = excluded.change, left_at = now()
     returning user_id as "userId"`,
    [roomId, userId, change],
  );
  return rows.length > 0;
}

/** The member whose latest ADDED event is the oldest becomes OWNER; answers who, if anyone is left. */
export async function promoteNextOwner(tx: EntityManager, roomId: string): Promise<string | undefined> {
  const rows = await tx.execute<{ userId: string }[]>(
    `update room_members set role = 'OWNER'
     where room_id = ? and user_id = (
       select m.user_id from room_members m where m.room_id = ?
       order by (select max(e.event_seq) from room_events e
                 where e.room_id = m.room_id and e.user_id = m.user_id and e.kind = 'MembershipChanged' and e.change = 'ADDED'),
         m.user_id
       limit 1)
     returning user_id as "userId"`,
    [roomId, roomId],
  );
  return rows[0]?.userId;
}
