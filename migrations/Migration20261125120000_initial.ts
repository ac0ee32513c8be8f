// The first schema: users, rooms, members and messages, with the constraints the contract rests on.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261125120000_initial extends Migration {
  override name = 'Migration20261125120000_initial';

  override up(): void {
    this.addSql(`
      create table users (
        id text primary key,
        name text,
        created_at timestamptz(3) not null default now(),
        updated_at timestamptz(3) not null default now()
      )`);
    this.addSql(`
      create table rooms (
        id uuid primary key default gen_random_uuid(),
        kind text not null check (kind in ('DIRECT', 'GROUP')),
        title text,
        direct_low text,
        direct_high text,
        created_by text not null references users (id),
        created_at timestamptz(3) not null default now(),
        last_seq integer not null default 0,
        last_activity_at timestamptz(3) not null default now(),
        -- a direct room names its pair in order; a group room names none
        check ((kind = 'DIRECT') = (direct_low is not null and direct_high is not null)),
        check (direct_low < direct_high)
      )`);
    // At most one direct room per pair, whatever the order of ids or the number of concurrent creators.
    this.addSql('create unique index rooms_direct_pair_unique on rooms (direct_low, direct_high) where kind = \'DIRECT\'');
    this.addSql(`
      create table room_members (
        room_id uuid not null references rooms (id) on delete cascade,
        user_id text not null references users (id),
        joined_at timestamptz(3) not null default now(),
        primary key (room_id, user_id)
      )`);
    // "Rooms of a user": members by user, then rooms by activity.
    this.addSql('create index room_members_user_idx on room_members (user_id, room_id)');
    this.addSql('create index rooms_last_activity_idx on rooms (last_activity_at desc, id desc)');
    this.addSql(`
      create table messages (
        id bigint generated always as identity primary key,
        room_id uuid not null references rooms (id) on delete cascade,
        seq integer not null check (seq > 0),
        sender_id text not null references users (id),
        sender_name text,
        content text not null,
        client_message_id text,
        created_at timestamptz(3) not null default now()
      )`);
    // History pages walk this index by seq in either direction.
    this.addSql('create unique index messages_room_seq_unique on messages (room_id, seq)');
    // A repeated clientMessageId from the same sender in the same room is the same message.
    this.addSql(
      'create unique index messages_idempotency_unique on messages (room_id, sender_id, client_message_id) where client_message_id is not null',
    );
  }

  override down(): void {
    this.addSql('drop table messages');
    this.addSql('drop table room_members');
    this.addSql('drop table rooms');
    this.addSql('drop table users');
  }
}
