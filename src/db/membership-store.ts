// Membership changes in SQL, each inside the caller's transaction (`tx`, its statements: prepared.ts),
// which holds the room's lock: adding members, moving a member who leaves or is removed to
// room_former_members (room_members holds current members only), and choosing the next owner.
import type { PreparedStatement, RunStatement } from './prepared.ts';

const statements = {
  lockMembership: { name: 'chat_lock_membership', text: 'select 1 from room_members where room_id = $1 and user_id = $2 for update' },
  // The users come as a JSON array of ids: one statement, prepared once, for any number of them.
  insertMembers: {
    name: 'chat_insert_members',
    text: `insert into room_members (room_id, user_id, role, last_read_seq)
     select r.id, u.id, 'MEMBER', r.last_seq from rooms r, jsonb_array_elements_text($2::jsonb) as u (id) where r.id = $1
     on conflict (room_id, user_id) do nothing returning user_id as "userId"`,
  },
  clearFormer: {
    name: 'chat_clear_former_members',
    text: 'delete from room_former_members where room_id = $1 and user_id in (select jsonb_array_elements_text($2::jsonb))',
  },
  countMembers: { name: 'chat_count_members', text: 'select count(*)::int as members from room_members where room_id = $1' },
  moveToFormer: {
    name: 'chat_move_to_former',
    text: `with gone as (delete from room_members where room_id = $1 and user_id = $2 returning room_id, user_id)
     insert into room_former_members (room_id, user_id, change) select room_id, user_id, $3::text from gone
     on conflict (room_id, user_id) do update set change = excluded.change, left_at = now()
     returning user_id as "userId"`,
  },
  promoteNextOwner: {
    name: 'chat_promote_next_owner',
    text: `update room_members set role = 'OWNER'
     where room_id = $1 and user_id = (
       select m.user_id from room_members m where m.room_id = $1
       order by (select max(e.event_seq) from room_events e
                 where e.room_id = m.room_id and e.user_id = m.user_id and e.kind = 'MembershipChanged' and e.change = 'ADDED'),
         m.user_id
       limit 1)
     returning user_id as "userId"`,
  },
} satisfies Record<string, PreparedStatement>;

/**
 * Locks a member's row before the room's: the order a send takes them in (messages-store.ts), so that
 * a send by that member either commits before the removal or finds them gone, and never deadlocks.
 */
export async function lockMembership(tx: RunStatement, roomId: string, userId: string): Promise<void> {
  await tx(statements.lockMembership, [roomId, userId]);
}

/**
 * Adds those of `userIds` who are not members, as MEMBERs whose read position starts at the room's
 * newest message; answers those added (in `userIds` order) and the number of members after.
 */
export async function insertMembers(tx: RunStatement, roomId: string, userIds: readonly string[]) {
  const rows = await tx<{ userId: string }>(statements.insertMembers, [roomId, JSON.stringify(userIds)]);
  const added = new Set(rows.map((row) => row.userId));
  if (added.size > 0) await tx(statements.clearFormer, [roomId, JSON.stringify([...added])]);
  const [counted] = await tx<{ members: number }>(statements.countMembers, [roomId]);
  return { added: userIds.filter((id) => added.has(id)), members: counted!.members };
}

/** Moves the member to room_former_members; answers whether they were a member. */
export async function moveToFormer(tx: RunStatement, roomId: string, userId: string, change: 'REMOVED' | 'LEFT'): Promise<boolean> {
  const rows = await tx<{ userId: string }>(statements.moveToFormer, [roomId, userId, change]);
  return rows.length > 0;
}

/** The member whose latest ADDED event is the oldest becomes OWNER; answers who, if anyone is left. */
export async function promoteNextOwner(tx: RunStatement, roomId: string): Promise<string | undefined> {
  const rows = await tx<{ userId: string }>(statements.promoteNextOwner, [roomId]);
  return rows[0]?.userId;
}
