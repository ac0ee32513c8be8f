// Per-user rate limits on sendMessage, setTyping and createRoom (docs/contract/CONTRACT.md, Limits): honest bursts
// pass, a user over the limit gets RATE_LIMITED with retryAfterMs and nothing is stored or published,
// other users are untouched, and with Redis every instance counts the same bucket.
import { createRoom, MESSAGE_FIELDS, sendMessage, waitUntilOnline } from './helpers/chat.ts';
import { describeWithRedis } from './helpers/env.ts';
import { expectData, graphqlHttp, type HttpResult } from './helpers/http.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { collect, wsClient } from './helpers/ws.ts';
import { range } from './helpers/waits.ts';

const SEND = `mutation($roomId: ID!, $content: String!, $cid: String) {
  sendMessage(roomId: $roomId, content: $content, clientMessageId: $cid) { ${MESSAGE_FIELDS} }
}`;
const SET_TYPING = 'mutation($roomId: ID!, $isTyping: Boolean!) { setTyping(roomId: $roomId, isTyping: $isTyping) }';
const CREATE_ROOM = 'mutation($ids: [ID!]!, $title: String) { createRoom(participantIds: $ids, title: $title) { room { id } } }';
const HISTORY = 'query($roomId: ID!) { messages(roomId: $roomId, last: 100) { edges { node { content } } } }';
const ROOMS = '{ rooms(first: 100) { edges { node { id } } } }';
const MESSAGE_ADDED = 'subscription($roomId: ID!) { messageAdded(roomId: $roomId) { seq content senderId } }';
const TYPING = 'subscription($roomId: ID!) { typing(roomId: $roomId) { userId isTyping } }';

/** Small limits, so that a test can spend a whole bucket and wait for a token in well under a second or two. */
const STRICT_LIMITS = {
  RATE_SEND_MESSAGE_BURST: '5',
  RATE_SEND_MESSAGE_PER_SECOND: '1',
  RATE_SET_TYPING_BURST: '3',
  RATE_SET_TYPING_PER_SECOND: '2',
  RATE_CREATE_ROOM_BURST: '2',
  RATE_CREATE_ROOM_PER_SECOND: '1',
  // Long enough that no indicator expires (and announces false) while a test watches the feed.
  TYPING_TIMEOUT_MS: '60000',
};

let strict: TestServer;

beforeAll(async () => {
  strict = await startServer(STRICT_LIMITS);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function send(server: TestServer, user: TestUser, roomId: string, content: string, cid?: string) {
  return graphqlHttp(server.httpUrl, user.token, SEND, { roomId, content, cid });
}

/** The retryAfterMs of a call refused for its rate limit, after checking that it was refused so. */
function retryAfterOf(result: HttpResult, field: string): number {
  expect(result.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  expect(result.data?.[field] ?? null).toBeNull();
  const retryAfterMs = result.errors?.[0]?.extensions?.retryAfterMs;
  expect(Number.isInteger(retryAfterMs)).toBe(true);
  expect(retryAfterMs).toBeGreaterThan(0);
  return retryAfterMs as number;
}

async function storedContents(server: TestServer, user: TestUser, roomId: string): Promise<string[]> {
  const data = await expectData(server.httpUrl, user.token, HISTORY, { roomId });
  return data.messages.edges.map((edge: { node: { content: string } }) => edge.node.content);
}

/** Spends a user's whole send bucket at once: `burst` sends that must all succeed. */
async function spendSendBurst(server: TestServer, user: TestUser, roomId: string, burst: number, label = 'burst') {
  const sent = await Promise.all(range(1, burst).map((i) => sendMessage(server, user, roomId, `${label} ${i}`)));
  return sent.map((message) => message.content);
}

/** Two fresh users and the room they share, created by the second so the first's buckets are untouched. */
async function pairWithRoom(server: TestServer) {
  const [sender, other] = await Promise.all([createUser('sender'), createUser('other')]);
  const roomId = (await createRoom(server, other, [sender.id])).room.id;
  return { sender, other, roomId };
}

describe('sendMessage', () => {
  it('with the default limits one user may send a burst of 60 messages at once', async () => {
    const server = await startServer();
    const { sender, roomId } = await pairWithRoom(server);
    const sent = await spendSendBurst(server, sender, roomId, 60);
    expect((await storedContents(server, sender, roomId)).sort()).toEqual([...sent].sort());
  });

  it('over the limit a send is refused with RATE_LIMITED and a positive retryAfterMs, and nothing is stored or published', async () => {
    const { sender, other, roomId } = await pairWithRoom(strict);
    const client = wsClient(strict.wsUrl, { token: other.token });
    const feed = collect<{ content: string }>(client, MESSAGE_ADDED, { roomId });
    await waitUntilOnline(strict, other, roomId, other.id);

    const sent = await spendSendBurst(strict, sender, roomId, 5);
    const retryAfterMs = retryAfterOf(await send(strict, sender, roomId, 'one too many'), 'sendMessage');
    expect(retryAfterMs).toBeLessThanOrEqual(1000); // one token comes back every second
    expect(await storedContents(strict, sender, roomId)).toEqual(expect.arrayContaining(sent));
    expect(await storedContents(strict, sender, roomId)).toHaveLength(5);

    // Events of one room arrive in order: had the refused send been published, it would come before this.
    await sendMessage(strict, other, roomId, 'sentinel');
    const sentinel = await feed.waitFor((event) => event.content === 'sentinel', 'the sentinel message');
    expect(feed.events.slice(0, feed.events.indexOf(sentinel)).map((event) => event.content).sort()).toEqual([...sent].sort());
  });

  it('a send succeeds again once retryAfterMs has passed', async () => {
    const { sender, roomId } = await pairWithRoom(strict);
    await spendSendBurst(strict, sender, roomId, 5);
    const retryAfterMs = retryAfterOf(await send(strict, sender, roomId, 'too soon'), 'sendMessage');
    await sleep(retryAfterMs);
    const retried = await sendMessage(strict, sender, roomId, 'after waiting');
    expect(retried.seq).toBe(6);
    expect(await storedContents(strict, sender, roomId)).not.toContain('too soon');
  });

  it("one user's spent limit does not hold back another user in the same room", async () => {
    const { sender, other, roomId } = await pairWithRoom(strict);
    await spendSendBurst(strict, sender, roomId, 5);
    retryAfterOf(await send(strict, sender, roomId, 'refused'), 'sendMessage');
    const others = await spendSendBurst(strict, other, roomId, 5, 'other');
    expect(others).toHaveLength(5);
  });

  it('a retry of an already stored clientMessageId answers the stored message even over the limit, while a new one is refused', async () => {
    const { sender, roomId } = await pairWithRoom(strict);
    const first = await sendMessage(strict, sender, roomId, 'kept', 'client-1');
    await spendSendBurst(strict, sender, roomId, 4);
    const retry = await send(strict, sender, roomId, 'kept, retried', 'client-1');
    expect(retry.errors).toBeUndefined();
    expect(retry.data?.sendMessage).toEqual(first);
    retryAfterOf(await send(strict, sender, roomId, 'new', 'client-2'), 'sendMessage');
    expect(await storedContents(strict, sender, roomId)).toHaveLength(5);
  });

  it('input is checked before the limit: bad input over the limit is still BAD_USER_INPUT', async () => {
    const { sender, roomId } = await pairWithRoom(strict);
    await spendSendBurst(strict, sender, roomId, 5);
    const blank = await send(strict, sender, roomId, '   ');
    expect(blank.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const malformed = await send(strict, sender, 'not-a-room', 'hello');
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('a send refused over a WebSocket carries RATE_LIMITED and retryAfterMs too', async () => {
    const { sender, roomId } = await pairWithRoom(strict);
    await spendSendBurst(strict, sender, roomId, 5);
    const client = wsClient(strict.wsUrl, { token: sender.token });
    const answer = collect(client, SEND, { roomId, content: 'over the socket' });
    const errors = (await answer.waitForError()) as { extensions?: { code?: string; retryAfterMs?: number } }[];
    expect(errors[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect(errors[0]?.extensions?.retryAfterMs).toBeGreaterThan(0);
    expect(answer.events.filter(Boolean)).toEqual([]);
    expect(await storedContents(strict, sender, roomId)).toHaveLength(5);
  });
});

describe('setTyping', () => {
  it('over the limit setTyping is refused with RATE_LIMITED and retryAfterMs and publishes nothing; another user is unaffected', async () => {
    const [typist, watcher, bystander] = await Promise.all([createUser('typist'), createUser('watcher'), createUser('bystander')]);
    const roomId = (await createRoom(strict, watcher, [typist.id, bystander.id])).room.id;
    const client = wsClient(strict.wsUrl, { token: watcher.token });
    const feed = collect<{ userId: string; isTyping: boolean }>(client, TYPING, { roomId });
    await waitUntilOnline(strict, watcher, roomId, watcher.id);

    await Promise.all(range(1, 3).map(() => expectData(strict.httpUrl, typist.token, SET_TYPING, { roomId, isTyping: true })));
    const refused = await graphqlHttp(strict.httpUrl, typist.token, SET_TYPING, { roomId, isTyping: false });
    expect(retryAfterOf(refused, 'setTyping')).toBeLessThanOrEqual(500); // two tokens come back every second

    // The bystander is unaffected; their event arrives after anything the refused call could have published.
    await expectData(strict.httpUrl, bystander.token, SET_TYPING, { roomId, isTyping: true });
    const marker = await feed.waitFor((event) => event.userId === bystander.id, "the bystander's typing");
    expect(feed.events.slice(0, feed.events.indexOf(marker))).toEqual(range(1, 3).map(() => ({ userId: typist.id, isTyping: true })));
  });

  it('setTyping succeeds again once retryAfterMs has passed, and a malformed room id is still BAD_USER_INPUT', async () => {
    const { sender: typist, roomId } = await pairWithRoom(strict);
    await Promise.all(range(1, 3).map(() => expectData(strict.httpUrl, typist.token, SET_TYPING, { roomId, isTyping: true })));
    const malformed = await graphqlHttp(strict.httpUrl, typist.token, SET_TYPING, { roomId: 'not-a-room', isTyping: true });
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const retryAfterMs = retryAfterOf(await graphqlHttp(strict.httpUrl, typist.token, SET_TYPING, { roomId, isTyping: false }), 'setTyping');
    await sleep(retryAfterMs);
    expect((await expectData(strict.httpUrl, typist.token, SET_TYPING, { roomId, isTyping: false })).setTyping).toBe(true);
  });
});

describe('createRoom', () => {
  async function roomIdsOf(user: TestUser): Promise<string[]> {
    const data = await expectData(strict.httpUrl, user.token, ROOMS);
    return data.rooms.edges.map((edge: { node: { id: string } }) => edge.node.id);
  }

  it('over the limit createRoom is refused with RATE_LIMITED and retryAfterMs, and no room is created', async () => {
    const [creator, bob, carol] = await Promise.all([createUser('creator'), createUser('bob'), createUser('carol')]);
    await Promise.all(range(1, 2).map((i) => createRoom(strict, creator, [bob.id, carol.id], `group ${i}`)));
    const refused = await graphqlHttp(strict.httpUrl, creator.token, CREATE_ROOM, { ids: [bob.id, carol.id], title: 'one too many' });
    expect(retryAfterOf(refused, 'createRoom')).toBeLessThanOrEqual(1000);
    expect(await roomIdsOf(creator)).toHaveLength(2);
    expect(await roomIdsOf(bob)).toHaveLength(2);
  });

  it('another user can still create rooms, bad input is still BAD_USER_INPUT, and after retryAfterMs the creator can again', async () => {
    const [creator, other, carol] = await Promise.all([createUser('creator'), createUser('other'), createUser('carol')]);
    await Promise.all(range(1, 2).map((i) => createRoom(strict, creator, [carol.id, other.id], `group ${i}`)));
    const refused = await graphqlHttp(strict.httpUrl, creator.token, CREATE_ROOM, { ids: [carol.id] });
    const retryAfterMs = retryAfterOf(refused, 'createRoom');

    await createRoom(strict, other, [carol.id]);
    const alone = await graphqlHttp(strict.httpUrl, creator.token, CREATE_ROOM, { ids: [creator.id] });
    expect(alone.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');

    await sleep(retryAfterMs);
    const direct = await createRoom(strict, creator, [carol.id]);
    expect(await roomIdsOf(creator)).toContain(direct.room.id);
    expect(await roomIdsOf(creator)).toHaveLength(3);
  });
});

describeWithRedis('several instances on one Redis', () => {
  it("share one user's bucket: a burst spent on server A is refused on server B, and another user is unaffected", async () => {
    const limits = { RATE_SEND_MESSAGE_BURST: '5', RATE_SEND_MESSAGE_PER_SECOND: '1' };
    const [a, b] = await Promise.all([startServer(limits), startServer(limits)]);
    const [sender, other] = await Promise.all([createUser('sender'), createUser('other')]);
    // A room on each server, which works whether or not they also share one database.
    const [roomOnA, roomOnB] = await Promise.all([a, b].map(async (server) => (await createRoom(server, other, [sender.id])).room.id));

    await spendSendBurst(a, sender, roomOnA!, 5);
    const retryAfterMs = retryAfterOf(await send(b, sender, roomOnB!, 'on B'), 'sendMessage');
    expect(retryAfterMs).toBeLessThanOrEqual(1000);
    expect(await storedContents(b, sender, roomOnB!)).not.toContain('on B');
    await sendMessage(b, other, roomOnB!, 'another user on B');
  });
});
