// The baseline's tables, in a schema of their own in the bench database: the same columns, keys,
// foreign keys and unique indexes as migrations/ make for the tables a send touches (the initial
// schema, the members' roles and read positions, the room event log's counters, message columns,
// reactions and the log itself), so that its inserts and page reads (the service's own statements,
// which also move the sender's read position) do the same index and constraint work.
export const BASELINE_SCHEMA = 'baseline';

export const BASELINE_SCHEMA_SQL = `
create schema ${BASELINE_SCHEMA};
set local search_path = ${BASELINE_SCHEMA};
create table users (
  id text primary key,
  name text,
  created_at timestamptz(3) not null default now(),
  updated_at timestamptz(3) not null default now()
);
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
  last_event_seq integer not null default 0,
  check ((kind = 'DIRECT') = (direct_low is not null and direct_high is not null)),
  check (direct_low < direct_high)
);
create unique index rooms_direct_pair_unique on rooms (direct_low, direct_high) where kind = 'DIRECT';
create table room_members (
  room_id uuid not null references rooms (id) on delete cascade,
  user_id text not null references users (id),
  joined_at timestamptz(3) not null default now(),
  role text not null default 'MEMBER' check (role in ('OWNER', 'MEMBER')),
  last_read_seq integer not null default 0 check (last_read_seq >= 0),
  primary key (room_id, user_id)
);
create index room_members_user_idx on room_members (user_id, room_id);
create index rooms_last_activity_idx on rooms (last_activity_at desc, id desc);
create table messages (
  id bigint generated always as identity primary key,
  room_id uuid not null references rooms (id) on delete cascade,
  seq integer not null check (seq > 0),
  sender_id text not null references users (id),
  sender_name text,
  content text not null,
  client_message_id text,
  created_at timestamptz(3) not null default now(),
  event_seq integer not null,
  edited_at timestamptz(3),
  deleted_at timestamptz(3),
  reply_to_id bigint references messages (id)
);
create unique index messages_room_seq_unique on messages (room_id, seq);
create unique index messages_idempotency_unique on messages (room_id, sender_id, client_message_id) where client_message_id is not null;
create table message_reactions (
  id bigint generated always as identity primary key,
  message_id bigint not null references messages (id) on delete cascade,
  emoji text not null,
  user_id text not null references users (id),
  group_order bigint not null,
  unique (message_id, emoji, user_id)
);
create index message_reactions_order_idx on message_reactions (message_id, group_order, id);
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
);
create index room_events_membership_idx on room_events (room_id, user_id, event_seq) where kind = 'MembershipChanged';
create index room_events_reaction_idx on room_events (message_id) where kind = 'ReactionChanged';
`;
