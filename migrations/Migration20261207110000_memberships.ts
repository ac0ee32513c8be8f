// Membership roles and read positions: each member's role in the room and the seq of the newest message they have read.
import { Migration } from '@mikro-orm/migrations';

export class Migration20261207110000_memberships extends Migration {
  override name = 'Migration20261207110000_memberships';

  override up(): void {
    this.addSql(`alter table room_members add column role text not null default 'MEMBER' check (role in ('OWNER', 'MEMBER'))`);
    // A group room's creator owns it; a direct room has no owner.
    this.addSql(`
      update room_members m set role = 'OWNER' from rooms r
      where r.id = m.room_id and r.kind = 'GROUP' and r.created_by = m.user_id`);
    // Everything stored before this upgrade counts as read: badges do not light up on every old room.
    this.addSql('alter table room_members add column last_read_seq integer not null default 0 check (last_read_seq >= 0)');
    this.addSql('update room_members m set last_read_seq = r.last_seq from rooms r where r.id = m.room_id and r.last_seq > 0');
    // joined_at exists since the first schema; its rows were written in their room's creating
    // transaction, so they already equal the room's created_at: backfilled explicitly all the same.
    this.addSql('update room_members m set joined_at = r.created_at from rooms r where r.id = m.room_id and m.joined_at <> r.created_at');
  }

  override down(): void {
    this.addSql('alter table room_members drop column last_read_seq');
    this.addSql('alter table room_members drop column role');
  }
}
