// Deleted messages by room and seq: what an unread count subtracts (read-state-store.ts), in an index
// that holds only deleted messages, so that counting them costs what there is to count.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261207130000_deleted_messages_index extends Migration {
  override name = 'Migration20261207130000_deleted_messages_index';

  override up(): void {
    this.addSql('create index messages_deleted_idx on messages (room_id, seq) where deleted_at is not null');
  }

  override down(): void {
    this.addSql('drop index messages_deleted_idx');
  }
}
