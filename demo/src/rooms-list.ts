// The sidebar: the caller's rooms, most recent activity first, with unread badges, kept current by
// one messageAdded and one readReceipts subscription over all of the caller's rooms (without roomId
// they count as presence in none of them).
import type { Client } from '@urql/core';
import {
  MessageAddedDocument,
  ReadReceiptsDocument,
  RoomsDocument,
  type MessageFieldsFragment,
  type RoomFieldsFragment,
} from '../../client/generated/graphql.ts';
import { withMessage, withReceipt } from '../../client/read-state.ts';
import { describeError } from './api.ts';

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
  let rooms: RoomFieldsFragment[] = [];
  let selected: string | undefined;

  const render = () =>
    list.replaceChildren(
      ...rooms.map((room) => {
        const item = document.createElement('li');
        item.dataset.roomId = room.id;
        item.setAttribute('aria-current', String(room.id === selected));
        const title = document.createElement('strong');
        title.textContent = roomTitle(room, meId);
        const preview = document.createElement('span');
        preview.className = 'preview';
        const last = room.lastMessage;
        preview.textContent = last ? `${last.senderName ?? last.senderId}: ${last.content}` : 'No messages yet';
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

  /** A live message into the list, unless its room is not listed or already holds it; answers whether listed. */
  const apply = (message: MessageFieldsFragment) => {
    const room = rooms.find((candidate) => candidate.id === message.roomId);
    if (!room) return false;
    if ((room.lastMessage?.seq ?? 0) >= message.seq) return true;
    rooms = [{ ...withMessage(room, message, meId), lastMessage: message }, ...rooms.filter((other) => other !== room)];
    return true;
  };

  // Messages of a room not listed yet (someone just made it with us and wrote) each ask for the list;
  // the answers may come in any order and may predate a later message, so an answer older than one
  // shown is dropped, and such messages are applied again to each answer until one includes them.
  let unlisted: MessageFieldsFragment[] = [];
  let asked = 0;
  let shown = 0;
  const refresh = async () => {
    const refreshing = ++asked;
    const result = await client.query(RoomsDocument, { first: 50 }).toPromise();
    if (refreshing < shown) return;
    shown = refreshing;
    if (result.error || !result.data) return report(describeError(result.error ?? new Error('no rooms')));
    rooms = result.data.rooms.edges.map((edge) => edge.node);
    const includes = (message: MessageFieldsFragment) =>
      rooms.some((room) => room.id === message.roomId && (room.lastMessage?.seq ?? 0) >= message.seq);
    unlisted = unlisted.filter((message) => !includes(message));
    unlisted.forEach(apply);
    render();
  };

  const live = client.subscription(MessageAddedDocument, {}).subscribe((result) => {
    const message = result.data?.messageAdded;
    if (!message) return;
    if (apply(message)) return render();
    unlisted.push(message);
    void refresh();
  });

  // Read on this or another device (the open room marks what it shows): the badge follows.
  const receipts = client.subscription(ReadReceiptsDocument, {}).subscribe((result) => {
    const receipt = result.data?.readReceipts;
    if (!receipt) return;
    rooms = rooms.map((room) => (room.id === receipt.roomId ? withReceipt(room, receipt, meId) : room));
    render();
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
