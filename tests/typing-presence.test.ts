// Typing indicators and presence over the real graphql-ws client: who receives typing, the server's
// expiry of an unrenewed `true`, ONLINE/OFFLINE transitions as subscriptions and sockets open and
// close, onlineMembers, and the refusals for non-members and unknown rooms.
import type { Client } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { createRoom, MESSAGE_FIELDS, onlineMemberIds, sendMessage, subscriptionRefusal, waitUntilOnline } from './helpers/chat.ts';
import { errorCode, expectData } from './helpers/http.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { repeatUntil, until } from './helpers/waits.ts';
import { collect, withTimeout, wsClient, type Collector } from './helpers/ws.ts';

interface TypingEvent {
  roomId: string;
  userId: string;
  userName: string | null;
  isTyping: boolean;
  at: string;
}

interface PresenceEvent {
  roomId: string;
  userId: string;
  userName: string | null;
  status: 'ONLINE' | 'OFFLINE';
  at: string;
}

const TYPING = 'subscription($roomId: ID!) { typing(roomId: $roomId) { roomId userId userName isTyping at } }';
const PRESENCE = 'subscription($roomId: ID!) { presence(roomId: $roomId) { roomId userId userName status at } }';
const MESSAGE_ADDED = `subscription($roomId: ID, $afterSeq: Int) { messageAdded(roomId: $roomId, afterSeq: $afterSeq) { ${MESSAGE_FIELDS} } }`;
const SET_TYPING = 'mutation($roomId: ID!, $isTyping: Boolean!) { setTyping(roomId: $roomId, isTyping: $isTyping) }';
const ONLINE_MEMBERS = 'query($roomId: ID!) { onlineMembers(roomId: $roomId) { id name } }';
const UNKNOWN_ROOM = '00000000-0000-4000-8000-000000000000';

/** Default settings: a `true` lasts 6 s. */
let server: TestServer;
/** A `true` lasts 1 s, to keep the expiry tests short. */
let quickServer: TestServer;

beforeAll(async () => {
  [server, quickServer] = await Promise.all([startServer(), startServer({ TYPING_TIMEOUT_MS: '1000' })]);
});

const clientOf = (user: TestUser, on: TestServer = server): Client => wsClient(on.wsUrl, { token: user.token });

const typingFeed = (client: Client, roomId: string) => collect<TypingEvent>(client, TYPING, { roomId }, 'typing');
const presenceFeed = (client: Client, roomId: string) => collect<PresenceEvent>(client, PRESENCE, { roomId }, 'presence');

async function setTyping(user: TestUser, roomId: string, isTyping: boolean, on: TestServer = server): Promise<void> {
  const data = await expectData(on.httpUrl, user.token, SET_TYPING, { roomId, isTyping });
  expect(data.setTyping).toBe(true);
}

const typingOf = (feed: Collector<TypingEvent>, user: TestUser) =>
  feed.events.filter((event) => event.userId === user.id).map((event) => event.isTyping);
const statusesOf = (feed: Collector<PresenceEvent>, user: TestUser) =>
  feed.events.filter((event) => event.userId === user.id).map((event) => event.status);

async function groupOf(on: TestServer, creator: TestUser, others: TestUser[]): Promise<string> {
  return (await createRoom(on, creator, others.map((user) => user.id))).room.id;
}

/**
 * Repeats `action` until every feed has an event matching `arrived`: the sign that subscriptions
 * which cannot signal readiness through presence (a second one of the same user) are live.
 */
const repeatUntilReceived = <T>(action: () => Promise<void>, feeds: Collector<T>[], arrived: (event: T) => boolean, what: string) =>
  repeatUntil(action, () => feeds.every((feed) => feed.events.some(arrived)), what);

describe('typing', () => {
  it("reaches the other members' typing subscriptions, never the caller's own, for true and for false", async () => {
    const [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    const roomId = await groupOf(server, alice, [bob, carol]);
    const aliceLaptop = typingFeed(clientOf(alice), roomId);
    const alicePhone = typingFeed(clientOf(alice), roomId);
    const bobFeed = typingFeed(clientOf(bob), roomId);
    await Promise.all([waitUntilOnline(server, carol, roomId, alice.id), waitUntilOnline(server, carol, roomId, bob.id)]);
    // Both of alice's subscriptions are live once they have seen a typing event of carol's.
    await repeatUntilReceived(() => setTyping(carol, roomId, true), [aliceLaptop, alicePhone, bobFeed], (e) => e.userId === carol.id, "carol's typing on every subscription");
    await setTyping(carol, roomId, false);

    await setTyping(alice, roomId, true);
    const aliceTyping = await bobFeed.waitFor((e) => e.userId === alice.id && e.isTyping, "alice's true on bob's subscription");
    expect(aliceTyping).toEqual({ roomId, userId: alice.id, userName: alice.name, isTyping: true, at: expect.any(String) });
    expect(new Date(aliceTyping.at).toISOString()).toBe(aliceTyping.at);
    // Bob types after alice: once his event reaches alice's subscriptions, hers would have come before it.
    await setTyping(bob, roomId, true);
    await aliceLaptop.waitFor((e) => e.userId === bob.id && e.isTyping, "bob's true on alice's laptop");
    await alicePhone.waitFor((e) => e.userId === bob.id && e.isTyping, "bob's true on alice's phone");

    await setTyping(alice, roomId, false);
    await bobFeed.waitFor((e) => e.userId === alice.id && !e.isTyping, "alice's false on bob's subscription");
    await setTyping(bob, roomId, false);
    await aliceLaptop.waitFor((e) => e.userId === bob.id && !e.isTyping, "bob's false on alice's laptop");
    await alicePhone.waitFor((e) => e.userId === bob.id && !e.isTyping, "bob's false on alice's phone");

    expect(typingOf(bobFeed, alice)).toEqual([true, false]);
    expect(typingOf(bobFeed, bob)).toEqual([]);
    for (const device of [aliceLaptop, alicePhone]) {
      expect(typingOf(device, alice)).toEqual([]);
      expect(typingOf(device, bob)).toEqual([true, false]);
    }
  });

  it('follows a true that is not renewed with a false from the server after TYPING_TIMEOUT_MS', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const roomId = (await createRoom(quickServer, alice, [bob.id])).room.id;
    const bobFeed = typingFeed(clientOf(bob, quickServer), roomId);
    await waitUntilOnline(quickServer, alice, roomId, bob.id);

    const sentAt = Date.now();
    await setTyping(alice, roomId, true, quickServer);
    await bobFeed.waitFor((e) => e.userId === alice.id && !e.isTyping, "the server's false for alice (timeout 1 s)", 4000);
    const elapsed = Date.now() - sentAt;
    expect(elapsed).toBeGreaterThanOrEqual(990);
    expect(bobFeed.events).toEqual([
      expect.objectContaining({ userId: alice.id, userName: alice.name, isTyping: true }),
      expect.objectContaining({ userId: alice.id, userName: alice.name, isTyping: false }),
    ]);
  });

  it('postpones the server\'s false when the true is renewed within the timeout', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const roomId = (await createRoom(quickServer, alice, [bob.id])).room.id;
    const bobFeed = typingFeed(clientOf(bob, quickServer), roomId);
    await waitUntilOnline(quickServer, alice, roomId, bob.id);

    const firstAt = Date.now();
    await setTyping(alice, roomId, true, quickServer);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const renewedAt = Date.now();
    await setTyping(alice, roomId, true, quickServer);
    await bobFeed.waitFor((e) => e.userId === alice.id && !e.isTyping, "the server's false after the renewal", 4000);
    const falseAt = Date.now();
    // Not at firstAt + 1 s, when the first true would have lapsed: a full timeout after the renewal.
    expect(falseAt - renewedAt).toBeGreaterThanOrEqual(990);
    expect(falseAt - firstAt).toBeGreaterThanOrEqual(1490);
    expect(typingOf(bobFeed, alice)).toEqual([true, true, false]);
  });

  it('by default ends an unrenewed true after about 6 seconds, never before 5', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    const bobFeed = typingFeed(clientOf(bob), roomId);
    await waitUntilOnline(server, alice, roomId, bob.id);

    const sentAt = Date.now();
    await setTyping(alice, roomId, true);
    await bobFeed.waitFor((e) => e.userId === alice.id && e.isTyping, "alice's true on bob's subscription");
    await bobFeed.waitFor((e) => e.userId === alice.id && !e.isTyping, "the server's false for alice (default timeout 6 s)", 9000);
    const elapsed = Date.now() - sentAt;
    expect(elapsed).toBeGreaterThanOrEqual(5000);
    expect(elapsed).toBeLessThan(8000);
    expect(typingOf(bobFeed, alice)).toEqual([true, false]);
  }, 20000);
});

describe('presence', () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let roomId: string;
  /** Bob's presence subscription: ready once bob himself is online through it. */
  let watch: Collector<PresenceEvent>;

  beforeEach(async () => {
    [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
    roomId = await groupOf(server, bob, [alice, carol]);
    watch = presenceFeed(clientOf(bob), roomId);
    await waitUntilOnline(server, carol, roomId, bob.id);
  });

  /**
   * Carol comes online, and bob sees it: every presence event published before hers has reached bob.
   * Used to show that something did not happen.
   */
  async function carolComesOnline() {
    typingFeed(clientOf(carol), roomId);
    await watch.waitFor((e) => e.userId === carol.id && e.status === 'ONLINE', 'carol ONLINE, the marker event');
  }

  /** A socket of the user, connected, with the server's side of it, to see when the server has closed it. */
  async function connect(user: TestUser): Promise<{ client: Client; serverSide: WebSocket }> {
    const before = new Set(server.webSocket.sockets);
    let acknowledged!: () => void;
    const ready = new Promise<void>((resolve) => (acknowledged = resolve));
    const client = wsClient(server.wsUrl, { token: user.token, lazy: false, on: { connected: () => acknowledged() } });
    await withTimeout(ready, `the connection_ack of ${user.id}'s socket`);
    const opened = [...server.webSocket.sockets].filter((socket) => !before.has(socket));
    expect(opened).toHaveLength(1);
    return { client, serverSide: opened[0]! };
  }

  const untilServerClosed = (socket: WebSocket, what: string) => until(() => !server.webSocket.sockets.has(socket), `the server to close ${what}`);

  /**
   * onlineMembers over the user's own socket: the server handles a socket's messages in order and this
   * one waits on the database, so a disposal sent before it has been carried out when it answers.
   */
  async function onlineOverSocket(client: Client): Promise<string[]> {
    const answer = collect<{ id: string }[]>(client, ONLINE_MEMBERS, { roomId }, 'onlineMembers');
    const members = await answer.waitFor(() => true, "the onlineMembers answer over alice's socket");
    return members.map((member) => member.id).sort();
  }

  it.each([
    ['presence', PRESENCE],
    ['typing', TYPING],
    ['messageAdded with roomId', MESSAGE_ADDED],
  ])('a %s subscription over WebSocket makes its user ONLINE until it is disposed, then OFFLINE', async (_kind, query) => {
    const subscription = collect(clientOf(alice), query, { roomId });
    const online = await watch.waitFor((e) => e.userId === alice.id, 'alice ONLINE');
    expect(online).toEqual({ roomId, userId: alice.id, userName: alice.name, status: 'ONLINE', at: expect.any(String) });
    expect(await onlineMemberIds(server, carol, roomId)).toEqual([alice.id, bob.id].sort());

    subscription.dispose();
    await watch.waitFor((e) => e.userId === alice.id && e.status === 'OFFLINE', 'alice OFFLINE after disposing her subscription');
    expect(statusesOf(watch, alice)).toEqual(['ONLINE', 'OFFLINE']);
    expect(await onlineMemberIds(server, carol, roomId)).toEqual([bob.id]);
  });

  it('counts two subscriptions on one socket as one: ONLINE once, OFFLINE when the last is disposed', async () => {
    const client = clientOf(alice);
    const messages = collect(client, MESSAGE_ADDED, { roomId }, 'messageAdded');
    await watch.waitFor((e) => e.userId === alice.id && e.status === 'ONLINE', 'alice ONLINE');
    const typing = typingFeed(client, roomId);
    // A typing feed counts its user present before it listens: bob's typing on it shows it counted.
    await repeatUntilReceived(() => setTyping(bob, roomId, true), [typing], (e) => e.userId === bob.id, "bob's typing on alice's second subscription");
    await setTyping(bob, roomId, false);

    messages.dispose();
    expect(await onlineOverSocket(client)).toContain(alice.id);
    await carolComesOnline();
    expect(statusesOf(watch, alice)).toEqual(['ONLINE']);

    typing.dispose();
    await watch.waitFor((e) => e.userId === alice.id && e.status === 'OFFLINE', 'alice OFFLINE after disposing her last subscription');
    expect(statusesOf(watch, alice)).toEqual(['ONLINE', 'OFFLINE']);
    expect(await onlineMemberIds(server, bob, roomId)).toEqual([bob.id, carol.id].sort());
  });

  it('counts two sockets of one user as one: closing one keeps the user ONLINE, closing the last makes them OFFLINE', async () => {
    const laptop = await connect(alice);
    typingFeed(laptop.client, roomId);
    await watch.waitFor((e) => e.userId === alice.id && e.status === 'ONLINE', 'alice ONLINE from her laptop');
    const phone = await connect(alice);
    const phoneTyping = typingFeed(phone.client, roomId);
    await repeatUntilReceived(() => setTyping(bob, roomId, true), [phoneTyping], (e) => e.userId === bob.id, "bob's typing on alice's phone");
    await setTyping(bob, roomId, false);

    await laptop.client.dispose();
    await untilServerClosed(laptop.serverSide, "alice's laptop socket");
    await carolComesOnline();
    expect(statusesOf(watch, alice)).toEqual(['ONLINE']);
    expect(await onlineMemberIds(server, bob, roomId)).toEqual([alice.id, bob.id, carol.id].sort());

    await phone.client.dispose();
    await watch.waitFor((e) => e.userId === alice.id && e.status === 'OFFLINE', 'alice OFFLINE after closing her last socket');
    expect(statusesOf(watch, alice)).toEqual(['ONLINE', 'OFFLINE']);
    expect(await onlineMemberIds(server, bob, roomId)).toEqual([bob.id, carol.id].sort());
  });

  it('does not count messageAdded without roomId', async () => {
    const allRooms = collect<{ id: string; roomId: string }>(clientOf(alice), MESSAGE_ADDED, {}, 'messageAdded');
    let probe = 0;
    await repeatUntilReceived(
      async () => void (await sendMessage(server, bob, roomId, `probe ${++probe}`)),
      [allRooms],
      (message) => message.roomId === roomId,
      "a probe message on alice's all-rooms feed",
    );
    expect(await onlineMemberIds(server, bob, roomId)).toEqual([bob.id]);
    await carolComesOnline();
    expect(statusesOf(watch, alice)).toEqual([]);
  });

  it('does not count HTTP queries and mutations', async () => {
    const quiet = await groupOf(server, alice, [bob, carol]);
    await sendMessage(server, alice, quiet, 'over HTTP');
    await setTyping(alice, quiet, true);
    await setTyping(alice, quiet, false);
    await expectData(server.httpUrl, carol.token, 'query($id: ID!) { room(id: $id) { id messages { edges { node { seq } } } } }', { id: quiet });
    expect(await onlineMemberIds(server, alice, quiet)).toEqual([]);
    expect(await onlineMemberIds(server, carol, quiet)).toEqual([]);
  });
});

describe('refusals', () => {
  let alice: TestUser;
  let outsider: TestUser;
  let roomId: string;
  beforeAll(async () => {
    const bob = await createUser('bob');
    [alice, outsider] = await Promise.all([createUser('alice'), createUser('mallory')]);
    roomId = (await createRoom(server, alice, [bob.id])).room.id;
  });

  it.each([
    ['setTyping', SET_TYPING, { isTyping: true }],
    ['onlineMembers', ONLINE_MEMBERS, {}],
  ])('%s answers FORBIDDEN to a non-member, NOT_FOUND for an unknown room, BAD_USER_INPUT for a malformed id', async (_name, query, extra) => {
    expect(await errorCode(server.httpUrl, outsider.token, query, { roomId, ...extra })).toBe('FORBIDDEN');
    expect(await errorCode(server.httpUrl, alice.token, query, { roomId: UNKNOWN_ROOM, ...extra })).toBe('NOT_FOUND');
    expect(await errorCode(server.httpUrl, alice.token, query, { roomId: 'not-a-room', ...extra })).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['typing', TYPING],
    ['presence', PRESENCE],
  ])('a %s subscription ends with FORBIDDEN for a non-member, NOT_FOUND for an unknown room, BAD_USER_INPUT for a malformed id, and no events', async (_name, query) => {
    expect(await subscriptionRefusal(clientOf(outsider), query, { roomId })).toEqual({ codes: ['FORBIDDEN'], data: [], ended: true });
    expect(await subscriptionRefusal(clientOf(alice), query, { roomId: UNKNOWN_ROOM })).toEqual({ codes: ['NOT_FOUND'], data: [], ended: true });
    expect(await subscriptionRefusal(clientOf(alice), query, { roomId: 'not-a-room' })).toEqual({ codes: ['BAD_USER_INPUT'], data: [], ended: true });
    // A refused subscription counts nobody as online.
    expect(await onlineMemberIds(server, alice, roomId)).toEqual([]);
  });
});
