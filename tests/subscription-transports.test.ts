// Every subscription over both transports, from one table of cases: the WebSocket (graphql-ws, what
// apps use) and server-sent events (what GraphiQL and curl use). Arguments inline and as variables
// (named unlike the arguments, so that a transport handing the variables over as the arguments
// fails), the rooms each feed covers, afterSeq replay, presence, and every refusal.
import { createRoom, MESSAGE_FIELDS, onlineMemberIds, sendMessage, waitUntilOnline } from './helpers/chat.ts';
import { expectData } from './helpers/http.ts';
import { startServer, stopAllServers, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { subscriberOver, TRANSPORTS, type Subscriber } from './helpers/transports.ts';
import type { Collector } from './helpers/ws.ts';

interface Message {
  id: string;
  roomId: string;
  seq: number;
  content: string;
}

const UNKNOWN_ROOM = '00000000-0000-4000-8000-000000000000';
const SET_TYPING = 'mutation($roomId: ID!, $isTyping: Boolean!) { setTyping(roomId: $roomId, isTyping: $isTyping) }';

/** One subscription written with its room inline, or as a variable `$room`. */
const inline = (field: string, roomId: string, selection: string, extra = '') =>
  `subscription { ${field}(roomId: "${roomId}"${extra}) { ${selection} } }`;
const asVariable = (field: string, selection: string) =>
  `subscription($room: ID!) { ${field}(roomId: $room) { ${selection} } }`;

const ARGUMENT_FORMS = [
  ['inline', (field: string, roomId: string, selection: string) => ({ query: inline(field, roomId, selection), variables: {} })],
  ['as a variable', (field: string, roomId: string, selection: string) => ({ query: asVariable(field, selection), variables: { room: roomId } })],
] as const;

const MESSAGE_ADDED_ALL_ROOMS = `subscription { messageAdded { ${MESSAGE_FIELDS} } }`;
const MESSAGE_ADDED_AFTER = `subscription($room: ID, $from: Int) { messageAdded(roomId: $room, afterSeq: $from) { ${MESSAGE_FIELDS} } }`;
const SUBSCRIPTIONS = [
  ['messageAdded', asVariable('messageAdded', 'id')],
  ['typing', asVariable('typing', 'userId')],
  ['presence', asVariable('presence', 'userId')],
] as const;

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(stopAllServers);

/** Sends probe messages until the feed has one: the sign it is live where presence cannot tell. */
async function sendProbesUntilLive(sender: TestUser, roomId: string, feed: Collector<Message>, timeoutMs = 5000): Promise<Message> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    const probe = await sendMessage(server, sender, roomId, `probe ${attempt}`);
    const arrived = await feed.waitFor((message) => message.id === probe.id, `probe ${attempt}`, 200).then((message) => message, () => undefined);
    if (arrived) return arrived;
  }
  throw new Error(`timed out after ${timeoutMs} ms sending probes until the feed received one`);
}

describe.each(TRANSPORTS)('subscriptions over %s', (transport) => {
  let subscriber: Subscriber;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  beforeEach(async () => {
    subscriber = subscriberOver(transport, server);
    [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
  });
  afterEach(() => subscriber.dispose());

  it.each(ARGUMENT_FORMS)("messageAdded(roomId) %s delivers that room's messages and none of the caller's other rooms", async (_form, write) => {
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    const otherRoom = (await createRoom(server, alice, [bob.id, carol.id])).room.id;
    const { query, variables } = write('messageAdded', roomId, MESSAGE_FIELDS);
    const feed = subscriber.subscribe<Message>(bob, query, variables, 'messageAdded');
    await waitUntilOnline(server, alice, roomId, bob.id);

    await sendMessage(server, carol, otherRoom, 'in the other room');
    const expected = await sendMessage(server, alice, roomId, 'in the room');
    await feed.waitFor((message) => message.id === expected.id, 'the message of the subscribed room');
    expect(feed.events.map((message) => [message.roomId, message.content])).toEqual([[roomId, 'in the room']]);
    expect(feed.errors).toEqual([]);
  });

  it("messageAdded without roomId delivers every room of the caller's and no other", async () => {
    const withAlice = (await createRoom(server, bob, [alice.id])).room.id;
    const group = (await createRoom(server, carol, [bob.id, alice.id])).room.id;
    const notBobs = (await createRoom(server, alice, [carol.id])).room.id;
    const feed = subscriber.subscribe<Message>(bob, MESSAGE_ADDED_ALL_ROOMS, {}, 'messageAdded');
    const probe = await sendProbesUntilLive(alice, withAlice, feed);

    await sendMessage(server, alice, notBobs, 'not for bob');
    await sendMessage(server, alice, withAlice, 'direct');
    const last = await sendMessage(server, carol, group, 'group');
    await feed.waitFor((message) => message.id === last.id, 'the group message');
    const afterProbe = feed.events.slice(feed.events.findIndex((message) => message.id === probe.id) + 1);
    expect(afterProbe.map((message) => [message.roomId, message.content])).toEqual([[withAlice, 'direct'], [group, 'group']]);
  });

  it('messageAdded(roomId, afterSeq) replays the stored messages after afterSeq in order, then continues live', async () => {
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    for (let i = 1; i <= 5; i++) await sendMessage(server, alice, roomId, `stored ${i}`);
    const feed = subscriber.subscribe<Message>(bob, MESSAGE_ADDED_AFTER, { room: roomId, from: 2 }, 'messageAdded');
    await feed.waitForCount(3);
    await sendMessage(server, alice, roomId, 'live');
    await feed.waitForCount(4);
    expect(feed.events.map((message) => [message.seq, message.content])).toEqual([[3, 'stored 3'], [4, 'stored 4'], [5, 'stored 5'], [6, 'live']]);
  });

  it.each(ARGUMENT_FORMS)("typing(roomId) %s delivers the other members' typing in that room, never the caller's own", async (_form, write) => {
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    const otherRoom = (await createRoom(server, alice, [bob.id, carol.id])).room.id;
    const { query, variables } = write('typing', roomId, 'roomId userId isTyping');
    const feed = subscriber.subscribe<{ roomId: string; userId: string; isTyping: boolean }>(bob, query, variables, 'typing');
    await waitUntilOnline(server, alice, roomId, bob.id);

    await expectData(server.httpUrl, bob.token, SET_TYPING, { roomId, isTyping: true });
    await expectData(server.httpUrl, alice.token, SET_TYPING, { roomId: otherRoom, isTyping: true });
    await expectData(server.httpUrl, alice.token, SET_TYPING, { roomId, isTyping: true });
    await feed.waitFor((event) => event.userId === alice.id, "alice's typing");
    expect(feed.events).toEqual([{ roomId, userId: alice.id, isTyping: true }]);
  });

  it.each(ARGUMENT_FORMS)("presence(roomId) %s announces another member's subscription ONLINE, then OFFLINE when it closes", async (_form, write) => {
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    const { query, variables } = write('presence', roomId, 'roomId userId status');
    const watch = subscriber.subscribe<{ userId: string; status: string }>(bob, query, variables, 'presence');
    await waitUntilOnline(server, alice, roomId, bob.id);

    const aliceTyping = subscriber.subscribe(alice, asVariable('typing', 'userId'), { room: roomId });
    await watch.waitFor((event) => event.userId === alice.id && event.status === 'ONLINE', 'alice ONLINE');
    expect(await onlineMemberIds(server, bob, roomId)).toEqual([alice.id, bob.id].sort());
    aliceTyping.dispose();
    await watch.waitFor((event) => event.userId === alice.id && event.status === 'OFFLINE', 'alice OFFLINE once her subscription closed');
    expect(watch.events.filter((event) => event.userId === alice.id)).toEqual([
      { roomId, userId: alice.id, status: 'ONLINE' },
      { roomId, userId: alice.id, status: 'OFFLINE' },
    ]);
    expect(await onlineMemberIds(server, alice, roomId)).toEqual([bob.id]);
  });

  describe('refusals', () => {
    it.each(SUBSCRIPTIONS)('%s: FORBIDDEN to a non-member, NOT_FOUND for an unknown room, BAD_USER_INPUT for a malformed id, UNAUTHENTICATED without a token; no events, and nobody counted online', async (_field, query) => {
      const roomId = (await createRoom(server, alice, [bob.id])).room.id;
      const refused = { data: [], ended: true };
      expect(await subscriber.refusal(carol, query, { room: roomId })).toEqual({ ...refused, codes: ['FORBIDDEN'] });
      expect(await subscriber.refusal(alice, query, { room: UNKNOWN_ROOM })).toEqual({ ...refused, codes: ['NOT_FOUND'] });
      expect(await subscriber.refusal(alice, query, { room: 'not-a-room' })).toEqual({ ...refused, codes: ['BAD_USER_INPUT'] });
      expect(await subscriber.refusal(undefined, query, { room: roomId })).toEqual({ ...refused, codes: ['UNAUTHENTICATED'] });
      expect(await onlineMemberIds(server, alice, roomId)).toEqual([]);
    });

    it('messageAdded: BAD_USER_INPUT for a negative afterSeq, and for afterSeq without roomId', async () => {
      const roomId = (await createRoom(server, alice, [bob.id])).room.id;
      const refused = { data: [], ended: true, codes: ['BAD_USER_INPUT'] };
      expect(await subscriber.refusal(bob, MESSAGE_ADDED_AFTER, { room: roomId, from: -1 })).toEqual(refused);
      expect(await subscriber.refusal(bob, MESSAGE_ADDED_AFTER, { from: 0 })).toEqual(refused);
    });
  });
});

describe('over SSE only', () => {
  it('a subscription whose variables do not coerce is refused before it runs: 400, BAD_USER_INPUT, as every refusal over HTTP', async () => {
    const alice = await createUser('alice');
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${alice.token}` },
      body: JSON.stringify({ query: asVariable('typing', 'userId'), variables: {} }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('"code":"BAD_USER_INPUT"');
  });
});
