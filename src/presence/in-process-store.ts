// Presence counted in this process's memory: right for one instance (no REDIS_URL).
import type { PresenceStore } from './presence-store.ts';

export function createInProcessPresenceStore(): PresenceStore {
  const counts = new Map<string, Map<string, number>>();
  return {
    async enter(roomId, userId) {
      const room = counts.get(roomId) ?? new Map<string, number>();
      counts.set(roomId, room);
      const count = (room.get(userId) ?? 0) + 1;
      room.set(userId, count);
      return count === 1;
    },
    async leave(roomId, userId) {
      const room = counts.get(roomId);
      const count = room?.get(userId) ?? 0;
      if (!room || count === 0) return false;
      if (count > 1) {
        room.set(userId, count - 1);
        return false;
      }
      room.delete(userId);
      if (room.size === 0) counts.delete(roomId);
      return true;
    },
    async online(roomId) {
      return [...(counts.get(roomId)?.keys() ?? [])];
    },
    async stop() {
      counts.clear();
    },
  };
}
