// Where presence is counted: how many room-scoped subscriptions (WebSocket or server-sent events) each user has open in each room.

export interface PresenceStore {
  /** Counts one more open subscription; true when it is the user's first in the room (now ONLINE). */
  enter(roomId: string, userId: string): Promise<boolean>;
  /** Counts one fewer; true when it was the user's last in the room (now OFFLINE). */
  leave(roomId: string, userId: string): Promise<boolean>;
  /** Ids of the users with at least one open subscription on the room. */
  online(roomId: string): Promise<string[]>;
  stop(): Promise<void>;
}
