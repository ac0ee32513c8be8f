// The sidebar: the caller's rooms, most recent activity first, with unread badges, kept current by
// one roomEvents and one readReceipts subscription over all of the caller's rooms (without roomId
// they count as presence in none of them): new messages, edits and deletes of the newest one, and
// rooms the caller joins or leaves.
import type { Client } from '@urql/core';
import { ReadReceiptsDocument, RoomEventsDocument, RoomsDocument, type RoomFieldsFragment } from '../../client/generated/graphql.ts';
import { describeError } from './api.ts';
import { receiptChange, roomEventChange, RoomListState, type RoomsChange } from './room-list-state.ts';

export interface RoomsList {
  refresh(): Promise<void>;
  select(roomId: string): void;
  close(): void;
}

/** A room's title, else the names of its other members. */
export function roomTitle(room: RoomFieldsFragment, meId: string): string {
  if (room.title) return room.title;
  const others = room.members.filter((member) => member.id !== meId);
  return others.map((member) => member.name ?? member.id).join(', ') || 'Just you';
}

export function createRoomsList(
  client: Client,
  meId: string,
  list: HTMLUListElement,
  onOpen: (room: RoomFieldsFragment) => void,
  report: (message: string) => void,
): RoomsList {
  const state = new RoomListState();
  let selected: string | undefined;

  const render = () =>
    list.replaceChildren(
      ...state.rooms.map((room) => {
        const item = document.createElement('li');
        item.dataset.roomId = room.id;
        item.setAttribute('aria-current', String(room.id === selected));
        const title = document.createElement('strong');
        title.textContent = roomTitle(room, meId);
        const preview = document.createElement('span');
        preview.className = 'preview';
        const last = room.lastMessage;
        // Content is never empty but once deleted.
        preview.textContent = last ? `${last.senderName ?? last.senderId}: ${last.content || 'message deleted'}` : 'No messages yet';
        item.append(title, preview);
        if (room.unreadCount > 0) {
          const badge = document.createElement('span');
          badge.className = 'badge';
          badge.title = `${room.unreadCount} unread`;
          badge.textContent = String(room.unreadCount);
          title.after(badge);
        }
        item.addEventListener('click', () => onOpen(room));
        return item;
      }),
    );

  // Only the answer to the latest question is shown (an earlier one may come last). What came live
  // while it was on its way is applied again over it (room-list-state.ts).
  let asked = 0;
  const refresh = async (): Promise<void> => {
    const question = ++asked;
    state.asking();
    const result = await client.query(RoomsDocument, { first: 50 }).toPromise();
    if (question !== asked) return;
    const askAgain = state.answered(result.data?.rooms.edges.map((edge) => edge.node));
    if (result.error || !result.data) return report(describeError(result.error ?? new Error('no rooms')));
    render();
    if (askAgain) return refresh();
  };
  const apply = (change: RoomsChange) => {
    if (state.apply(change)) return void refresh();
    render();
  };

  const live = client.subscription(RoomEventsDocument, {}).subscribe((result) => {
    const event = result.data?.roomEvents;
    if (event) apply(roomEventChange(event, meId));
  });
  // Read on this or another device (the open room marks what it shows): the badge follows.
  const receipts = client.subscription(ReadReceiptsDocument, {}).subscribe((result) => {
    const receipt = result.data?.readReceipts;
    if (receipt) apply(receiptChange(receipt, meId));
  });

  return {
    refresh,
    select(roomId) {
      selected = roomId;
      render();
    },
    close() {
      live.unsubscribe();
      receipts.unsubscribe();
    },
  };
}
