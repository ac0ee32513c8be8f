// The room list's state between the service's answers (the Rooms query) and the live events (room
// events, read receipts), kept exact in whatever order they come. An answer may predate an event
// that arrived before it: urql shares one request among the questions asked while it is in flight,
// so even the latest question's answer may have been read before an event it was asked after. So
// each change that arrives while a question is out is applied again over its answer. Applying twice
// changes nothing: a message at or below the room's newest is one the list already counts.
import type { RoomEventsSubscription, RoomFieldsFragment } from '../../client/generated/graphql.ts';
import { withMessage, withReceipt, type ReadReceipt } from '../../client/read-state.ts';

type Rooms = RoomFieldsFragment[];
type RoomEvent = RoomEventsSubscription['roomEvents'];

/** A live change to the list, or 'ask again' when only the service can say what the list is now. */
export type RoomsChange = (rooms: Rooms) => Rooms | 'ask again';

export class RoomListState {
  rooms: Rooms = [];
  /** The changes since the oldest question still out; undefined when none is. */
  #sinceAsked: RoomsChange[] | undefined;

  /** A Rooms query is on its way. */
  asking(): void {
    this.#sinceAsked ??= [];
  }

  /** The answer to the latest question (or its failure, `undefined`). Says whether to ask again. */
  answered(rooms: Rooms | undefined): boolean {
    const replay = this.#sinceAsked ?? [];
    this.#sinceAsked = undefined;
    if (!rooms) return false;
    this.rooms = rooms;
    let askAgain = false;
    for (const change of replay) {
      const changed = change(this.rooms);
      if (changed === 'ask again') askAgain = true;
      else this.rooms = changed;
    }
    return askAgain;
  }

  /** A live change, applied now and, while a question is out, again over its answer. Says whether to ask. */
  apply(change: RoomsChange): boolean {
    this.#sinceAsked?.push(change);
    const changed = change(this.rooms);
    if (changed === 'ask again') return true;
    this.rooms = changed;
    return false;
  }
}

/**
 * A room event: a new message moves its room to the top (and counts, unless it is the viewer's or
 * the list already has it); an edit or delete of a room's newest message changes its preview; a room
 * not in the list, or the viewer's own membership changing, asks the service.
 */
export const roomEventChange =
  (event: RoomEvent, meId: string): RoomsChange =>
  (rooms) => {
    const room = rooms.find((candidate) => candidate.id === event.roomId);
    if (!room || (event.__typename === 'MembershipChanged' && event.user.id === meId)) return 'ask again';
    if (event.__typename === 'MessagePosted') {
      if (event.message.seq <= (room.lastMessage?.seq ?? 0)) return rooms;
      const updated = { ...withMessage(room, event.message, meId), lastMessage: event.message };
      return [updated, ...rooms.filter((other) => other !== room)];
    }
    if ((event.__typename === 'MessageEdited' || event.__typename === 'MessageDeleted') && room.lastMessage?.id === event.message.id) {
      return rooms.map((other) => (other === room ? { ...room, lastMessage: event.message } : other));
    }
    return rooms;
  };

/** A read receipt (this or another device read a room): the badge follows. */
export const receiptChange =
  (receipt: ReadReceipt, meId: string): RoomsChange =>
  (rooms) =>
    rooms.map((room) => (room.id === receipt.roomId ? withReceipt(room, receipt, meId) : room));
