// Read state: each member's read position (markRead, moved by their own sends), exact unread counts,
// readReceipts to every member's subscriptions, and the fixed number of statements of a room list.
import pg from 'pg';
import { storeTogether, type NewMessage } from '../src/db/messages-store.ts';
import { createRoom, sendMessage, subscriptionRefusal } from './helpers/chat.ts';
import { databaseUrl, describeWithPostgres, describeWithRedis, redisUrl } from './helpers/env.ts';
import { errorCode, expectData, graphqlHttp } from './helpers/http.ts';
import { markProbesUntilLive, markRead, positions, READ_RECEIPTS, readStateOf, type Receipt } from './helpers/read-state.ts';
import { startInstance, type InstanceProcess } from './helpers/process.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { collect, wsClient, type Collector } from './helpers/ws.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startServer({ RATE_SEND_MESSAGE_BURST: '1000', RATE_CREATE_ROOM_BURST: '1000' });
});

function receiptFeed(user: TestUser, roomId?: string): Collector<Receipt> {
  return collect<Receipt>(wsClient(server.wsUrl, { token: user.token }), READ_RECEIPTS, roomId ? { roomId } : {}, 'readReceipts');
}

const MARK_READ = 'mutation($roomId: ID!, $seq: Int!) { markRead(roomId: $roomId, seq: $seq) { id } }';

async function sendMany(sender: TestUser, roomId: string, count: number) {
  let last = 0;
  for (let i = 1; i <= count; i++) last = (await sendMessage(server, sender, roomId, `message ${i}`)).seq;
  return last;
}

describe('unread counts', () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  beforeEach(async () => {
    [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
  });

  it('starts a new room with nothing read and nothing unread for every member', async () => {
    const roomId = (await createRoom(server, alice, [bob.id, carol.id])).room.id;
    const state = await readStateOf(server, bob, roomId);
    expect(state).toMatchObject({ lastReadSeq: 0, unreadCount: 0 });
    expect(positions(state)).toEqual({ [alice.id]: 0, [bob.id]: 0, [carol.id]: 0 });
  });

  it("counts others' messages and never the caller's own, whose send reads everything before it", async () => {
    const roomId = (await createRoom(server, alice, [bob.id, carol.id])).room.id;
    await sendMany(bob, roomId, 3);
    expect(await readStateOf(server, alice, roomId)).toMatchObject({ lastReadSeq: 0, unreadCount: 3 });
    await sendMessage(server, alice, roomId, 'I have read up to here');
    expect(await readStateOf(server, alice, roomId)).toMatchObject({ lastReadSeq: 4, unreadCount: 0 });
    await sendMany(carol, roomId, 2);
    expect(await readStateOf(server, alice, roomId)).toMatchObject({ lastReadSeq: 4, unreadCount: 2 });
    expect(await readStateOf(server, bob, roomId)).toMatchObject({ lastReadSeq: 3, unreadCount: 3 });
    const carolState = await readStateOf(server, carol, roomId);
    expect(carolState).toMatchObject({ lastReadSeq: 6, unreadCount: 0 });
    expect(positions(carolState)).toEqual({ [alice.id]: 4, [bob.id]: 3, [carol.id]: 6 });
  });

  it('leaves the rest unread when marking to the middle, and stops at the newest message when marking past it', async () => {
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    await sendMany(bob, roomId, 5);
    expect(await markRead(server, alice, roomId, 2)).toMatchObject({ lastReadSeq: 2, unreadCount: 3 });
    expect(await markRead(server, alice, roomId, 1000)).toMatchObject({ lastReadSeq: 5, unreadCount: 0 });
    await sendMessage(server, bob, roomId, 'one more');
    expect(await readStateOf(server, alice, roomId)).toMatchObject({ lastReadSeq: 5, unreadCount: 1 });
  });

  it('never moves a position back, by markRead or by a send', async () => {
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    await sendMany(bob, roomId, 4);
    await markRead(server, alice, roomId, 4);
    expect(await markRead(server, alice, roomId, 1)).toMatchObject({ lastReadSeq: 4, unreadCount: 0 });
    expect(await markRead(server, alice, roomId, 0)).toMatchObject({ lastReadSeq: 4, unreadCount: 0 });
    await markRead(server, bob, roomId, 4);
    expect(positions(await readStateOf(server, bob, roomId))).toEqual({ [alice.id]: 4, [bob.id]: 4 });
  });

  it('refuses a negative seq with BAD_USER_INPUT, a non-member with FORBIDDEN, an unknown room with NOT_FOUND, and moves nothing', async () => {
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    await sendMany(bob, roomId, 2);
    expect(await errorCode(server.httpUrl, alice.token, MARK_READ, { roomId, seq: -1 })).toBe('BAD_USER_INPUT');
    expect(await errorCode(server.httpUrl, carol.token, MARK_READ, { roomId, seq: 2 })).toBe('FORBIDDEN');
    expect(await errorCode(server.httpUrl, alice.token, MARK_READ, { roomId: '00000000-0000-4000-8000-000000000000', seq: 1 })).toBe('NOT_FOUND');
    expect(await errorCode(server.httpUrl, alice.token, MARK_READ, { roomId: 'not-a-room', seq: 1 })).toBe('BAD_USER_INPUT');
    expect(await readStateOf(server, alice, roomId)).toMatchObject({ lastReadSeq: 0, unreadCount: 2 });
  });

  it('answers both of two markRead fields of one operation with the position each left', async () => {
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    await sendMany(bob, roomId, 3);
    const data = await expectData(
      server.httpUrl,
      alice.token,
      `mutation($roomId: ID!) {
        first: markRead(roomId: $roomId, seq: 1) { lastReadSeq unreadCount }
        second: markRead(roomId: $roomId, seq: 3) { lastReadSeq unreadCount }
      }`,
      { roomId },
    );
    expect(data).toEqual({ first: { lastReadSeq: 1, unreadCount: 2 }, second: { lastReadSeq: 3, unreadCount: 0 } });
  });

  it('ends two devices marking different seqs at once at the larger, round after round', async () => {
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    await sendMany(bob, roomId, 40);
    for (let round = 1; round <= 20; round++) {
      const [low, high] = [2 * round - 1, 2 * round];
      const marks = round % 2 ? [low, high] : [high, low];
      await Promise.all(marks.map((seq) => markRead(server, alice, roomId, seq)));
      expect((await readStateOf(server, alice, roomId)).lastReadSeq).toBe(high);
    }
  });
});

describe('read state and membership changes', () => {
  const DELETE = 'mutation($id: ID!) { deleteMessage(messageId: $id) { id deletedAt } }';
  const ADD = 'mutation($roomId: ID!, $ids: [ID!]!) { addMembers(roomId: $roomId, userIds: $ids) { id } }';
  const REMOVE = 'mutation($roomId: ID!, $id: ID!) { removeMember(roomId: $roomId, userId: $id) { id } }';
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  beforeEach(async () => {
    [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
  });

  it('lowers the unread count when an unread message is deleted, and not when a read one is', async () => {
    const roomId = (await createRoom(server, alice, [bob.id, carol.id])).room.id;
    const sent = [];
    for (let i = 1; i <= 4; i++) sent.push(await sendMessage(server, bob, roomId, `message ${i}`));
    await markRead(server, alice, roomId, 1);
    expect(await readStateOf(server, alice, roomId)).toMatchObject({ lastReadSeq: 1, unreadCount: 3 });
    await expectData(server.httpUrl, bob.token, DELETE, { id: sent[2]!.id });
    expect(await readStateOf(server, alice, roomId)).toMatchObject({ lastReadSeq: 1, unreadCount: 2 });
    await expectData(server.httpUrl, bob.token, DELETE, { id: sent[0]!.id });
    expect(await readStateOf(server, alice, roomId)).toMatchObject({ lastReadSeq: 1, unreadCount: 2 });
    expect(await markRead(server, alice, roomId, 4)).toMatchObject({ lastReadSeq: 4, unreadCount: 0 });
  });

  it('starts a member added later at the newest message: the history from before is not unread', async () => {
    const dave = await createUser('dave');
    const roomId = (await createRoom(server, alice, [bob.id, carol.id])).room.id;
    await sendMany(bob, roomId, 3);
    await expectData(server.httpUrl, alice.token, ADD, { roomId, ids: [dave.id] });
    expect(await readStateOf(server, dave, roomId)).toMatchObject({ lastReadSeq: 3, unreadCount: 0 });
    await sendMessage(server, bob, roomId, 'after dave joined');
    expect(await readStateOf(server, dave, roomId)).toMatchObject({ lastReadSeq: 3, unreadCount: 1 });
  });

  it("answers a member's markReads racing their own sends and their removal with the room or FORBIDDEN, never a deadlock", async () => {
    const SEND = 'mutation($roomId: ID!, $content: String!) { sendMessage(roomId: $roomId, content: $content) { seq } }';
    const rooms = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(async () => (await createRoom(server, alice, [bob.id, carol.id])).room.id));
    for (const roomId of rooms) await sendMany(carol, roomId, 4);
    const answers = await Promise.all(
      rooms.flatMap((roomId) => [
        ...[1, 2, 3, 4].map((seq) => graphqlHttp(server.httpUrl, bob.token, MARK_READ, { roomId, seq })),
        ...[1, 2].map((i) => graphqlHttp(server.httpUrl, bob.token, SEND, { roomId, content: `racing ${i}` })),
        graphqlHttp(server.httpUrl, alice.token, REMOVE, { roomId, id: bob.id }),
      ]),
    );
    const codes = answers.flatMap((answer) => answer.errors?.map((error) => error.extensions?.code) ?? []);
    expect(codes.filter((code) => code !== 'FORBIDDEN')).toEqual([]);
    for (const roomId of rooms) expect(await errorCode(server.httpUrl, bob.token, MARK_READ, { roomId, seq: 1 })).toBe('FORBIDDEN');
  });

  it("ends a removed member's readReceipts(roomId) with FORBIDDEN and stops the room's receipts on their subscription without roomId", async () => {
    const roomId = (await createRoom(server, alice, [bob.id, carol.id])).room.id;
    const other = (await createRoom(server, alice, [carol.id])).room.id;
    const inRoom = receiptFeed(carol, roomId);
    const everywhere = receiptFeed(carol);
    await markProbesUntilLive(server, bob, alice, roomId, [inRoom, everywhere]);
    await markProbesUntilLive(server, alice, carol, other, [everywhere]);
    await expectData(server.httpUrl, alice.token, REMOVE, { roomId, id: carol.id });
    const error = await inRoom.waitForError();
    expect(JSON.stringify(error)).toContain('FORBIDDEN');
    // After the removal, receipts of the room no longer reach carol; those of her other room, sent
    // after them, still do.
    const seq = (await sendMessage(server, bob, roomId, 'after the removal')).seq;
    await markRead(server, alice, roomId, seq);
    const otherSeq = (await sendMessage(server, carol, other, 'still here')).seq;
    await markRead(server, alice, other, otherSeq);
    await everywhere.waitFor((receipt) => receipt.roomId === other && receipt.lastReadSeq === otherSeq, "the other room's receipt");
    expect(everywhere.events.filter((receipt) => receipt.roomId === roomId && receipt.lastReadSeq >= seq)).toEqual([]);
  });
});

describeWithPostgres('sends stored together', () => {
  it("move each sender's position to their newest message of the batch", async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const roomId = (await createRoom(server, alice, [bob.id, carol.id])).room.id;
    const message = (sender: TestUser, content: string): NewMessage => ({
      roomId, senderId: sender.id, senderName: sender.name, content, clientMessageId: null, replyToId: null,
    });
    await storeTogether(server.database.run, [message(alice, 'a1'), message(bob, 'b1'), message(alice, 'a2'), message(bob, 'b2'), message(bob, 'b3')]);
    const state = await readStateOf(server, carol, roomId);
    expect(positions(state)).toEqual({ [alice.id]: 3, [bob.id]: 5, [carol.id]: 0 });
    expect(state.unreadCount).toBe(5);
    expect((await readStateOf(server, alice, roomId)).unreadCount).toBe(2);
  });
});

describe('readReceipts', () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let roomId: string;
  beforeEach(async () => {
    [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    roomId = (await createRoom(server, alice, [bob.id, carol.id])).room.id;
  });

  it("reaches every member's subscriptions, with and without roomId, the mover's other devices included", async () => {
    const feeds = [receiptFeed(alice, roomId), receiptFeed(alice), receiptFeed(bob, roomId), receiptFeed(carol)];
    await markProbesUntilLive(server, bob, carol, roomId, feeds);
    const seq = await sendMany(bob, roomId, 2);
    await markRead(server, alice, roomId, seq);
    for (const feed of feeds) {
      const receipt = await feed.waitFor((event) => event.userId === alice.id, "alice's receipt");
      expect(receipt).toMatchObject({ roomId, userId: alice.id, lastReadSeq: seq });
      expect(new Date(receipt.at).toISOString()).toBe(receipt.at);
      expect(feed.errors).toEqual([]);
    }
  });

  it('sends nothing for a markRead that does not move the position, nor for the move a send makes', async () => {
    const feed = receiptFeed(bob, roomId);
    const probe = await markProbesUntilLive(server, bob, carol, roomId, [feed]);
    await markRead(server, alice, roomId, probe);
    await markRead(server, alice, roomId, probe);
    await markRead(server, alice, roomId, 1);
    const sent = await sendMessage(server, alice, roomId, 'my send moves my position silently');
    await markRead(server, alice, roomId, sent.seq);
    // Carol's receipt comes after everything above: any receipt they caused would be there by now.
    await markRead(server, carol, roomId, sent.seq);
    await feed.waitFor((event) => event.userId === carol.id && event.lastReadSeq === sent.seq, "carol's last receipt");
    const afterProbe = feed.events.slice(feed.events.findIndex((event) => event.lastReadSeq === probe) + 1);
    expect(afterProbe.map(({ userId, lastReadSeq }) => ({ userId, lastReadSeq }))).toEqual([
      { userId: alice.id, lastReadSeq: probe },
      { userId: carol.id, lastReadSeq: sent.seq },
    ]);
  });

  it('follows, without roomId, a room the caller joined after subscribing', async () => {
    const feed = receiptFeed(alice);
    await markProbesUntilLive(server, bob, carol, roomId, [feed]);
    const dave = await createUser('dave');
    const later = (await createRoom(server, dave, [alice.id, bob.id])).room.id;
    await markProbesUntilLive(server, dave, bob, later, [feed]);
    expect(feed.events.filter((event) => event.roomId === later).every((event) => event.userId === bob.id)).toBe(true);
  });

  it('refuses a room the caller is not a member of with FORBIDDEN and an unknown room with NOT_FOUND, with no events', async () => {
    const outsider = await createUser('mallory');
    const client = wsClient(server.wsUrl, { token: outsider.token });
    expect(await subscriptionRefusal(client, READ_RECEIPTS, { roomId })).toEqual({ codes: ['FORBIDDEN'], data: [], ended: true });
    expect(await subscriptionRefusal(client, READ_RECEIPTS, { roomId: '00000000-0000-4000-8000-000000000000' })).toEqual({
      codes: ['NOT_FOUND'], data: [], ended: true,
    });
  });
});

describe('a room list', () => {
  const ROOM_LIST = `query($first: Int) {
    rooms(first: $first) {
      edges { node { id unreadCount lastReadSeq memberships { user { name } lastReadSeq } lastMessage { seq content sender { name } } } }
    }
  }`;

  const KINDS: [string, RegExp][] = [
    ['caller', /^insert into users/],
    ['rooms', /^select r\.id, r\.kind\b.* from room_members m join rooms r/s],
    ['read states', /as "unreadCount"/],
    ['last messages', /from rooms r join messages m/],
    ['memberships', /from room_members m join users u/],
    ['users', /from "users"/],
  ];
  const statementKind = (sql: string) => KINDS.find(([, pattern]) => pattern.test(sql))?.[0] ?? sql.slice(0, 120);

  /** Every statement any pg client of this process sends while `work` runs. */
  async function statementsDuring(work: () => Promise<unknown>): Promise<string[]> {
    const statements: string[] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [first] = args as [string | { text: string }];
      statements.push(typeof first === 'string' ? first : first.text);
      return (query as (...inner: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    try {
      await work();
    } finally {
      pg.Client.prototype.query = query;
    }
    return statements;
  }

  it('answers 100 rooms with unread counts, read positions, memberships and last messages in as many statements as 2 rooms', async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const others = await Promise.all(Array.from({ length: 98 }, () => createUser('friend')));
    const rooms: string[] = [];
    for (const [i, other] of [bob, carol, ...others].entries()) {
      const roomId = (await createRoom(server, alice, i % 3 ? [other.id] : [other.id, bob.id])).room.id;
      await sendMessage(server, alice, roomId, 'hello');
      if (i % 2) await sendMany(other, roomId, 2);
      rooms.push(roomId);
    }
    const listOf = (first: number) => () => expectData(server.httpUrl, alice.token, ROOM_LIST, { first });
    const [listOfTwo, listOfHundred] = [listOf(2), listOf(100)];
    const forTwo = await statementsDuring(listOfTwo);
    let list: any;
    const forHundred = await statementsDuring(async () => (list = await listOfHundred()));
    // Whatever the number of rooms: the caller's user row (refreshed from the token on every request),
    // the page of rooms, the caller's read states, the last messages, the memberships with their
    // users' names, and the last messages' senders.
    expect(forHundred.map(statementKind).sort()).toEqual([
      'caller', 'last messages', 'memberships', 'read states', 'rooms', 'users',
    ]);
    expect(forTwo.map(statementKind).sort()).toEqual(forHundred.map(statementKind).sort());
    const nodes = list.rooms.edges.map((edge: any) => edge.node);
    expect(nodes).toHaveLength(100);
    expect(nodes.filter((node: any) => node.unreadCount === 2)).toHaveLength(50);
    expect(nodes.filter((node: any) => node.unreadCount === 0 && node.lastReadSeq === 1)).toHaveLength(50);
    for (const node of nodes) expect(node.memberships.length).toBeGreaterThanOrEqual(2);
  });
});

describeWithRedis('two devices of one user on two instances', () => {
  describeWithPostgres('on one PostgreSQL and one Redis', () => {
    let a: InstanceProcess;
    let b: InstanceProcess;

    beforeAll(async () => {
      const env = { DATABASE_URL: databaseUrl!, REDIS_URL: redisUrl!, RATE_SEND_MESSAGE_BURST: '1000' };
      [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
    }, 60_000);

    it("clears the badge on the phone when the laptop reads the room, through the phone's readReceipts", async () => {
      const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
      const roomId = (await createRoom(a, alice, [bob.id])).room.id;
      const phone = wsClient(a.wsUrl, { token: alice.token });
      const receipts = collect<Receipt>(phone, READ_RECEIPTS, {}, 'readReceipts');
      await markProbesUntilLive(b, alice, bob, roomId, [receipts]);
      for (let i = 1; i <= 3; i++) await sendMessage(b, bob, roomId, `unread ${i}`);
      const badge = await readStateOf(a, alice, roomId);
      expect(badge).toMatchObject({ unreadCount: 3 });

      const laptop = await markRead(b, alice, roomId, 1000);
      expect(laptop).toMatchObject({ unreadCount: 0 });
      const receipt = await receipts.waitFor((event) => event.userId === alice.id && event.roomId === roomId, "the laptop's receipt on the phone");
      // What a client does with its own receipt (README, "Read state"): messages between the two
      // positions were others' (a member's own are never above their position).
      const phoneBadge = Math.max(0, badge.unreadCount - (receipt.lastReadSeq - badge.lastReadSeq));
      expect(phoneBadge).toBe(0);
      expect(await readStateOf(a, alice, roomId)).toMatchObject({ lastReadSeq: receipt.lastReadSeq, unreadCount: 0 });
    });

    it('ends two devices marking at once on two instances at the larger position, and their receipts never go back', async () => {
      const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
      const roomId = (await createRoom(a, alice, [bob.id])).room.id;
      const watcher = wsClient(b.wsUrl, { token: bob.token });
      const receipts = collect<Receipt>(watcher, READ_RECEIPTS, { roomId }, 'readReceipts');
      const probe = await markProbesUntilLive(a, bob, alice, roomId, [receipts]);
      for (let i = 1; i <= 40; i++) await sendMessage(a, bob, roomId, `message ${i}`);
      for (let round = 1; round <= 20; round++) {
        const [low, high] = [probe + 2 * round - 1, probe + 2 * round];
        await Promise.all([markRead(a, alice, roomId, round % 2 ? low : high), markRead(b, alice, roomId, round % 2 ? high : low)]);
        expect((await readStateOf(a, alice, roomId)).lastReadSeq).toBe(high);
      }
      await receipts.waitFor((event) => event.userId === alice.id && event.lastReadSeq === probe + 40, 'the last receipt');
      const seen = receipts.events.filter((event) => event.userId === alice.id).map((event) => event.lastReadSeq);
      expect(seen).toEqual([...seen].sort((x, y) => x - y));
      expect(new Set(seen).size).toBe(seen.length);
    });
  });
});
