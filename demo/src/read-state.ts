// The open room's read state: marks the newest message shown as read (which clears its badge on
// every device through the receipt), and says under it which other members have seen it, from the
// room's memberships (asked for when the room opens) and then its receipts and messages
// (a sender has read what they sent).
import type { Client, CombinedError } from '@urql/core';
import { MarkReadDocument, ReadReceiptsDocument, RoomMembershipsDocument, type RoomFieldsFragment } from '../../client/generated/graphql.ts';

export interface ReadState {
  /** A message now shown: the newest one is marked read, and "seen by" follows it. */
  shown(message: { seq: number; senderId: string }): void;
  close(): void;
}

export function trackReadState(
  client: Client,
  room: RoomFieldsFragment,
  meId: string,
  seenBy: HTMLElement,
  failed: (error: CombinedError | Error) => void,
): ReadState {
  const positions = new Map<string, number>();
  const names = new Map(room.members.map((member) => [member.id, member.name ?? member.id]));
  let newest = 0;
  let closed = false;
  let marked = room.lastReadSeq;

  const moved = (userId: string, seq: number) => positions.set(userId, Math.max(positions.get(userId) ?? 0, seq));
  const render = () => {
    const seen = [...positions].filter(([userId, seq]) => userId !== meId && newest > 0 && seq >= newest).map(([userId]) => names.get(userId) ?? userId);
    seenBy.textContent = seen.length ? `Seen by ${seen.join(', ')}` : '';
  };
  const markNewest = () => {
    if (newest <= marked || document.visibilityState !== 'visible') return;
    marked = newest;
    void client
      .mutation(MarkReadDocument, { roomId: room.id, seq: newest })
      .toPromise()
      .then((result) => result.error && failed(result.error));
  };
  document.addEventListener('visibilitychange', markNewest);

  const receipts = client.subscription(ReadReceiptsDocument, { roomId: room.id }).subscribe((result) => {
    if (result.error) return failed(result.error);
    const receipt = result.data?.readReceipts;
    if (!receipt) return;
    moved(receipt.userId, receipt.lastReadSeq);
    render();
  });
  void client
    .query(RoomMembershipsDocument, { id: room.id })
    .toPromise()
    .then((result) => {
      if (closed) return;
      if (result.error || !result.data) return failed(result.error ?? new Error('no room'));
      for (const membership of result.data.room.memberships) moved(membership.user.id, membership.lastReadSeq);
      render();
    });
  render();

  return {
    shown(message) {
      moved(message.senderId, message.seq);
      if (message.seq > newest) newest = message.seq;
      markNewest();
      render();
    },
    close() {
      closed = true;
      document.removeEventListener('visibilitychange', markNewest);
      receipts.unsubscribe();
      seenBy.textContent = '';
    },
  };
}
