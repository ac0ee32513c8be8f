// The baseline's edits and reactions: the durable work the service does for each, in plain SQL on
// one pooled connection. The message's room (no lock needed: a message never moves), then one
// transaction: the room row locked (as a send locks it, so eventSeq follows commit order), the
// message checked, the change (an update of the message, or a reaction row inserted, by the
// service's own statement for its group order, or deleted), one event row with the next eventSeq,
// and the message as it now is (the service's columns, reactions included) for the event that is
// published after the commit.
import type pg from 'pg';
import { INSERT_REACTION } from '../src/db/message-changes-store.ts';
import { messageColumns } from '../src/db/messages-store.ts';

export type Change = { kind: 'edit'; content: string } | { kind: 'react'; emoji: string; added: boolean };

export interface ChangedMessage {
  roomId: string;
  eventSeq: number;
  message: Record<string, unknown>;
}

const statements = {
  room: { name: 'baseline_message_room', text: 'select room_id as "roomId" from messages where id = $1' },
  lock: {
    name: 'baseline_lock_room',
    text: `select m.role from rooms r left join room_members m on m.room_id = r.id and m.user_id = $2 where r.id = $1 for update of r`,
  },
  message: { name: 'baseline_message_state', text: 'select sender_id as "senderId", deleted_at as "deletedAt", content from messages where id = $1' },
  edit: { name: 'baseline_edit', text: 'update messages set content = $2, edited_at = now() where id = $1' },
  mine: {
    name: 'baseline_reaction_mine',
    text: 'select exists (select 1 from message_reactions where message_id = $1 and emoji = $2 and user_id = $3) as mine',
  },
  react: INSERT_REACTION,
  unreact: { name: 'baseline_unreact', text: 'delete from message_reactions where message_id = $1 and emoji = $2 and user_id = $3' },
  event: {
    name: 'baseline_event',
    text: `with bumped as (update rooms set last_event_seq = last_event_seq + 1 where id = $1 returning last_event_seq)
      insert into room_events (room_id, event_seq, kind, actor_id, message_id, emoji, added)
      select $1, bumped.last_event_seq, $2, $3, $4, $5, $6 from bumped returning event_seq as "eventSeq"`,
  },
  changed: { name: 'baseline_changed_message', text: `select ${messageColumns()} from messages where id = $1` },
} as const;

/** Applies the change as `userId`; answers the logged event's room, eventSeq and message (none when nothing changed), or throws the refusal. */
export async function changeMessage(pool: pg.Pool, userId: string, messageId: string, change: Change): Promise<ChangedMessage | undefined> {
  const rooms = await pool.query<{ roomId: string }>({ ...statements.room, values: [messageId] });
  const roomId = rooms.rows[0]?.roomId;
  if (!roomId) throw new Error(`no message ${messageId}`);
  const client = await pool.connect();
  const run = <R extends pg.QueryResultRow>(statement: { name: string; text: string }, values: unknown[]) =>
    client.query<R>({ ...statement, values }).then((result) => result.rows);
  try {
    await client.query('begin');
    const [member] = await run<{ role: string | null }>(statements.lock, [roomId, userId]);
    if (!member?.role) throw new Error(`not a member of ${roomId}`);
    const [message] = await run<{ senderId: string; deletedAt: Date | null }>(statements.message, [messageId]);
    if (message!.deletedAt) throw new Error('deleted');
    let event: [string, string | null, boolean | null];
    if (change.kind === 'edit') {
      if (message!.senderId !== userId) throw new Error('only the sender may edit');
      await run(statements.edit, [messageId, change.content]);
      event = ['MessageEdited', null, null];
    } else {
      const [{ mine } = { mine: false }] = await run<{ mine: boolean }>(statements.mine, [messageId, change.emoji, userId]);
      if (mine === change.added) {
        // As the service: a reaction already there (or already gone) changes nothing and logs nothing.
        await client.query('commit');
        return undefined;
      }
      await run(change.added ? statements.react : statements.unreact, [messageId, change.emoji, userId]);
      event = ['ReactionChanged', change.emoji, change.added];
    }
    const [logged] = await run<{ eventSeq: number }>(statements.event, [roomId, event[0], userId, messageId, event[1], event[2]]);
    const [changed] = await run<Record<string, unknown>>(statements.changed, [messageId]);
    await client.query('commit');
    return { roomId, eventSeq: logged!.eventSeq, message: changed! };
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}
