// The room event log (every change to a room, numbered per room), edits, deletes, reactions and
// replies on messages, and former members kept apart from current ones. Runs after the memberships
// migration (role on room_members) and backfills the log of everything stored before it.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261207120000_room_event_log extends Migration {
  override name = 'Migration20261207120000_room_event_log';

  override up(): void {
    // The room's newest eventSeq, bumped under the same row lock as last_seq.
    this.addSql('alter table rooms add column last_event_seq integer not null default 0');
    this.addSql(`
      alter table messages
        add column event_seq integer,
        add column edited_at timestamptz(3),
        add column deleted_at timestamptz(3),
        add column reply_to_id bigint references messages (id)`);
    // One row per user and emoji: adding or removing a reaction writes one row, never rewrites a list.
    // group_order is the emoji's place on the message, kept while its group has members.
    this.addSql(`
      create table message_reactions (
        id bigint generated always as identity primary key,
        message_id bigint not null references messages (id) on delete cascade,
        emoji text not null,
        user_id text not null references users (id),
        group_order bigint not null,
        unique (message_id, emoji, user_id)
      )`);
    this.addSql('create index message_reactions_order_idx on message_reactions (message_id, group_order, id)');
    this.addSql(`
      create table room_events (
        room_id uuid not null references rooms (id) on delete cascade,
        event_seq integer not null check (event_seq > 0),
        kind text not null check (kind in ('MessagePosted', 'MessageEdited', 'MessageDeleted', 'ReactionChanged', 'MembershipChanged')),
        actor_id text not null references users (id),
        at timestamptz(3) not null default now(),
        message_id bigint references messages (id),
        user_id text references users (id),
        change text check (change in ('ADDED', 'REMOVED', 'LEFT', 'ROLE_CHANGED')),
        role text check (role in ('OWNER', 'MEMBER')),
        emoji text,
        added boolean,
        primary key (room_id, event_seq),
        check ((kind = 'MembershipChanged') = (user_id is not null and change is not null)),
        check ((kind = 'MembershipChanged') = (message_id is null))
      )`);
    // A member's ADDED events, for choosing the next owner (the member added earliest) without a scan of the log.
    this.addSql(`create index room_events_membership_idx on room_events (room_id, user_id, event_seq) where kind = 'MembershipChanged'`);
    // A deleted message's reaction events, whose emoji the delete erases.
    this.addSql(`create index room_events_reaction_idx on room_events (message_id) where kind = 'ReactionChanged'`);
    // Who left or was removed: room_members holds current members only, so every membership test stays one look-up.
    this.addSql(`
      create table room_former_members (
        room_id uuid not null references rooms (id) on delete cascade,
        user_id text not null references users (id),
        change text not null check (change in ('REMOVED', 'LEFT')),
        left_at timestamptz(3) not null default now(),
        primary key (room_id, user_id)
      )`);
    // Backfill: each room's members as ADDED by its creator (the creator first), then its messages in seq order.
    this.addSql(`
      insert into room_events (room_id, event_seq, kind, actor_id, at, user_id, change, role)
      select m.room_id,
        row_number() over (partition by m.room_id order by (m.user_id = r.created_by) desc, m.joined_at, m.user_id),
        'MembershipChanged', r.created_by, r.created_at, m.user_id, 'ADDED', m.role
      from room_members m join rooms r on r.id = m.room_id`);
    this.addSql(`
      update messages set event_seq = messages.seq
        + coalesce((select count(*)::int from room_members m where m.room_id = messages.room_id), 0)`);
    this.addSql(`
      insert into room_events (room_id, event_seq, kind, actor_id, at, message_id)
      select room_id, event_seq, 'MessagePosted', sender_id, created_at, id from messages`);
    this.addSql('alter table messages alter column event_seq set not null');
    this.addSql(`
      update rooms set last_event_seq = latest.event_seq
      from (select room_id, max(event_seq) as event_seq from room_events group by room_id) latest
      where latest.room_id = rooms.id`);
  }

  override down(): void {
    this.addSql('drop table room_former_members');
    this.addSql('drop table room_events');
    this.addSql('drop table message_reactions');
    this.addSql('alter table messages drop column reply_to_id, drop column deleted_at, drop column edited_at, drop column event_seq');
    this.addSql('alter table rooms drop column last_event_seq');
  }
}
