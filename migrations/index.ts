// Every migration, in order. Listed explicitly so that the same code runs under Node, jest and a bundle.
import { Migration20261125120000_initial } from './Migration20261125120000_initial.ts';
import { Migration20261207110000_memberships } from './Migration20261207110000_memberships.ts';
import { Migration20261207120000_room_event_log } from './Migration20261207120000_room_event_log.ts';
import { Migration20261207130000_deleted_messages_index } from './Migration20261207130000_deleted_messages_index.ts';

export const migrationsList = [
  { name: 'Migration20261125120000_initial', class: Migration20261125120000_initial },
  { name: 'Migration20261207110000_memberships', class: Migration20261207110000_memberships },
  { name: 'Migration20261207120000_room_event_log', class: Migration20261207120000_room_event_log },
  { name: 'Migration20261207130000_deleted_messages_index', class: Migration20261207130000_deleted_messages_index },
];
