// Read-state steps that several tests share: mark read, read a room's badge, wait until receipts flow.
import { sendMessage, type Endpoint } from './chat.ts';
import { expectData } from './http.ts';
import type { TestUser } from './tokens.ts';

export interface Receipt {
  roomId: string;
  userId: string;
  lastReadSeq: number;
  at: string;
}

export const READ_RECEIPTS = 'subscription($roomId: ID) { readReceipts(roomId: $roomId) { roomId userId lastReadSeq at } }';

export interface ReadState {
  lastReadSeq: number;
  unreadCount: number;
  memberships: { user: { id: string }; lastReadSeq: number }[];
}

const READ_STATE_FIELDS = 'lastReadSeq unreadCount memberships { user { id } lastReadSeq }';

export async function markRead(server: Endpoint, user: TestUser, roomId: string, seq: number): Promise<ReadState> {
  const data = await expectData(
    server.httpUrl,
    user.token,
    `mutation($roomId: ID!, $seq: Int!) { markRead(roomId: $roomId, seq: $seq) { ${READ_STATE_FIELDS} } }`,
    { roomId, seq },
  );
  return data.markRead as ReadState;
}

export async function readStateOf(server: Endpoint, user: TestUser, roomId: string): Promise<ReadState> {
  const data = await expectData(server.httpUrl, user.token, `query($id: ID!) { room(id: $id) { ${READ_STATE_FIELDS} } }`, { id: roomId });
  return data.room as ReadState;
}

/** Each member's position, by user id. */
export const positions = (state: ReadState) =>
  Object.fromEntries(state.memberships.map((membership) => [membership.user.id, membership.lastReadSeq]));

interface ReceiptFeed {
  waitFor(predicate: (receipt: Receipt) => boolean, what: string, timeoutMs?: number): Promise<Receipt>;
}

/**
 * A subscription counts no presence: it is known to be live once a receipt reaches it. Until every
 * feed has one, `sender` sends a message and `marker` marks it read. Answers the last probe's seq:
 * every receipt after it must reach them all.
 */
export async function markProbesUntilLive(
  server: Endpoint,
  sender: TestUser,
  marker: TestUser,
  roomId: string,
  feeds: ReceiptFeed[],
  timeoutMs = 5000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    const probe = await sendMessage(server, sender, roomId, `probe ${attempt}`);
    await markRead(server, marker, roomId, probe.seq);
    const arrived = await Promise.all(
      feeds.map((feed) =>
        feed
          .waitFor((receipt) => receipt.userId === marker.id && receipt.lastReadSeq === probe.seq, `probe ${attempt}`, 200)
          .then(() => true, () => false),
      ),
    );
    if (arrived.every(Boolean)) return probe.seq;
  }
  throw new Error(`timed out after ${timeoutMs} ms marking probes read until every receipt feed received one`);
}
