// The demo's room list (demo/src/room-list-state.ts) between the Rooms query's answers and the live
// events: each message counted once in the badge, whichever reaches the page first. The orders here
// are the ones a browser met (tests/browser-demo.test.ts): urql shares one in-flight request among
// the questions asked meanwhile, so an answer may predate events that arrived before it.
import type { RoomEventsSubscription, RoomFieldsFragment } from '../client/generated/graphql.ts';
import { receiptChange, roomEventChange, RoomListState } from '../demo/src/room-list-state.ts';

const ME = 'alice';
const CAROL = 'carol';
const ROOM = 'room-1';

type Posted = Extract<RoomEventsSubscription['roomEvents'], { __typename: 'MessagePosted' }>;

function message(seq: number, senderId = CAROL): Posted['message'] {
  return {
    id: `m${seq}`,
    roomId: ROOM,
    seq,
    senderId,
    senderName: senderId,
    content: `message ${seq}`,
    clientMessageId: null,
    createdAt: '2026-12-07T00:00:00.000Z',
    cursor: `c${seq}`,
    editedAt: null,
    deletedAt: null,
    replyTo: null,
    reactions: [],
  };
}

const posted = (seq: number, senderId = CAROL): Posted => ({
  __typename: 'MessagePosted',
  roomId: ROOM,
  eventSeq: seq + 2,
  actorId: senderId,
  at: '2026-12-07T00:00:00.000Z',
  message: message(seq, senderId),
});

/** The room as the Rooms query answers it when its newest message is `lastSeq` and `unreadCount` are unread. */
function answered(lastSeq: number, unreadCount: number, lastReadSeq = 0): RoomFieldsFragment[] {
  const { id, roomId, seq, senderId, senderName, content, clientMessageId, createdAt, cursor } = message(lastSeq);
  const last = { id, roomId, seq, senderId, senderName, content, clientMessageId, createdAt, cursor };
  return [
    {
      id: ROOM,
      kind: 'DIRECT',
      title: null,
      lastReadSeq,
      unreadCount,
      members: [
        { id: ME, name: 'Alice' },
        { id: CAROL, name: 'Carol' },
      ],
      lastMessage: lastSeq === 0 ? null : last,
    },
  ];
}

const badge = (state: RoomListState) => state.rooms.find((room) => room.id === ROOM)?.unreadCount;

it('a message the answer already counts is not counted again when its event comes after the answer', () => {
  const state = new RoomListState();
  state.asking();
  expect(state.answered(answered(2, 2))).toBe(false);
  for (const seq of [1, 2]) expect(state.apply(roomEventChange(posted(seq), ME))).toBe(false);
  expect(badge(state)).toBe(2);
  expect(state.rooms[0]?.lastMessage?.seq).toBe(2);
});

it('a message whose event came while the question was out is counted over an answer that predates it', () => {
  const state = new RoomListState();
  state.asking();
  // The room is not in the list yet: its events ask the service, and the shared answer has only message 1.
  expect(state.apply(roomEventChange(posted(1), ME))).toBe(true);
  state.asking();
  expect(state.apply(roomEventChange(posted(2), ME))).toBe(true);
  expect(state.answered(answered(1, 1))).toBe(false);
  expect(badge(state)).toBe(2);
  expect(state.rooms[0]?.lastMessage?.content).toBe('message 2');
});

it('what came after an answer counts once, and the next answer starts a new replay', () => {
  const state = new RoomListState();
  state.asking();
  state.answered(answered(1, 1));
  expect(state.apply(roomEventChange(posted(2), ME))).toBe(false);
  expect(badge(state)).toBe(2);
  // A later answer that already has message 2 replays nothing from before its question.
  state.asking();
  state.answered(answered(2, 2));
  expect(badge(state)).toBe(2);
});

it("the viewer's own message clears the badge, and a receipt from another device lowers it, over a stale answer too", () => {
  const state = new RoomListState();
  state.asking();
  state.apply(receiptChange({ roomId: ROOM, userId: ME, lastReadSeq: 2, at: '2026-12-07T00:00:00.000Z' }, ME));
  state.answered(answered(3, 3));
  expect(badge(state)).toBe(1);
  state.apply(roomEventChange(posted(4, ME), ME));
  expect(badge(state)).toBe(0);
});

it("a room the answer does not have yet, or the viewer's own membership change, asks the service again", () => {
  const state = new RoomListState();
  state.asking();
  state.apply(roomEventChange(posted(1), ME));
  expect(state.answered([])).toBe(true);
  const joined: RoomEventsSubscription['roomEvents'] = {
    __typename: 'MembershipChanged',
    roomId: ROOM,
    eventSeq: 2,
    actorId: CAROL,
    at: '2026-12-07T00:00:00.000Z',
    change: 'ADDED',
    role: 'MEMBER',
    user: { id: ME, name: 'Alice' },
  };
  state.asking();
  state.answered(answered(0, 0));
  expect(state.apply(roomEventChange(joined, ME))).toBe(true);
});

it('a failed answer keeps the list as it was and replays nothing later', () => {
  const state = new RoomListState();
  state.asking();
  state.answered(answered(1, 1));
  state.asking();
  state.apply(roomEventChange(posted(2), ME));
  expect(state.answered(undefined)).toBe(false);
  expect(badge(state)).toBe(2);
  state.asking();
  state.answered(answered(2, 2));
  expect(badge(state)).toBe(2);
});
