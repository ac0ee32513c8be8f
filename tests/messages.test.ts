// Sending and reading messages: validation, idempotency, gap-free seq under concurrency, paging.
import { createRoom, MESSAGE_FIELDS, sendMessage } from './helpers/chat.ts';
import { expectData, graphqlHttp } from './helpers/http.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { range } from './helpers/waits.ts';

let server: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let roomId: string;

beforeAll(async () => {
  // These tests are about seq and paging, not limits: one user sends more than a default burst.
  server = await startServer({ RATE_SEND_MESSAGE_BURST: '1000' });
  [alice, bob, carol] = await Promise.all([createUser('alice'), createUser('bob'), createUser('carol')]);
  roomId = (await createRoom(server, alice, [bob.id])).room.id;
});

const SEND = `mutation($roomId: ID!, $content: String!, $cid: String) {
  sendMessage(roomId: $roomId, content: $content, clientMessageId: $cid) { ${MESSAGE_FIELDS} sender { id name } }
}`;
const HISTORY = `query($roomId: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  messages(roomId: $roomId, first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { seq content } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

async function storedCount(room: string, user: TestUser = alice): Promise<number> {
  const data = await expectData(server.httpUrl, user.token, HISTORY, { roomId: room, last: 100 });
  return data.messages.edges.length;
}

describe('sendMessage', () => {
  it('stores the message exactly as sent and answers with its seq, sender and time', async () => {
    const room = (await createRoom(server, alice, [carol.id])).room.id;
    const content = '  hello, Bob!  \n';
    const data = await expectData(server.httpUrl, alice.token, SEND, { roomId: room, content });
    expect(data.sendMessage).toMatchObject({
      roomId: room,
      seq: 1,
      senderId: alice.id,
      senderName: alice.name,
      content,
      clientMessageId: null,
      sender: { id: alice.id, name: alice.name },
    });
    expect(new Date(data.sendMessage.createdAt).toISOString()).toBe(data.sendMessage.createdAt);
    const history = await expectData(server.httpUrl, carol.token, HISTORY, { roomId: room });
    expect(history.messages.edges.map((edge: any) => edge.node.content)).toEqual([content]);
  });

  it.each([
    ['empty', ''],
    ['whitespace only', ' \n\t\u00a0 '],
    ['longer than MAX_MESSAGE_LENGTH', 'x'.repeat(4001)],
    ['a NUL character', 'a\u0000b'],
    ['a lone surrogate', 'a\ud800b'],
  ])('refuses content that is %s with BAD_USER_INPUT and stores nothing', async (_case, content) => {
    const before = await storedCount(roomId);
    const result = await graphqlHttp(server.httpUrl, alice.token, SEND, { roomId, content });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.data?.sendMessage ?? null).toBeNull();
    expect(await storedCount(roomId)).toBe(before);
  });

  it('counts the length in Unicode code points: 4000 emoji are accepted', async () => {
    const content = '😀'.repeat(4000);
    const data = await expectData(server.httpUrl, alice.token, SEND, { roomId, content });
    expect(data.sendMessage.content).toBe(content);
  });

  it('refuses a clientMessageId longer than 64 characters', async () => {
    const result = await graphqlHttp(server.httpUrl, alice.token, SEND, { roomId, content: 'hi', cid: 'x'.repeat(65) });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('returns the first message again for a repeated clientMessageId and stores it once', async () => {
    const room = (await createRoom(server, bob, [carol.id])).room.id;
    const first = await sendMessage(server, bob, room, 'once', 'client-1');
    const again = await sendMessage(server, bob, room, 'once, retried', 'client-1');
    expect(again).toEqual(first);
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => sendMessage(server, bob, room, 'race', 'client-2')));
    expect(new Set(concurrent.map((message) => message.id)).size).toBe(1);
    expect(await storedCount(room, bob)).toBe(2);
  });

  it('answers NOT_FOUND for an unknown room, FORBIDDEN for a non-member, BAD_USER_INPUT for a malformed id', async () => {
    const unknown = await graphqlHttp(server.httpUrl, alice.token, SEND, { roomId: '00000000-0000-4000-8000-000000000000', content: 'x' });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const outsider = await createUser('mallory');
    const forbidden = await graphqlHttp(server.httpUrl, outsider.token, SEND, { roomId, content: 'x' });
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const malformed = await graphqlHttp(server.httpUrl, alice.token, SEND, { roomId: 'not-a-room', content: 'x' });
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('numbers 200 concurrent sends from three users 1..200 with no gap and no duplicate', async () => {
    const group = (await createRoom(server, alice, [bob.id, carol.id])).room.id;
    const senders = [alice, bob, carol];
    const sent = await Promise.all(
      Array.from({ length: 200 }, (_, i) => sendMessage(server, senders[i % 3]!, group, `message ${i}`)),
    );
    expect(sent.map((message) => message.seq).sort((a, b) => a - b)).toEqual(range(1, 200));
    const seqs: number[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await expectData(server.httpUrl, carol.token, HISTORY, { roomId: group, first: 100, after });
      seqs.push(...page.messages.edges.map((edge: any) => edge.node.seq));
      if (!page.messages.pageInfo.hasNextPage) break;
      after = page.messages.pageInfo.endCursor;
    }
    expect(seqs).toEqual(range(1, 200));
  });
});

describe('message history', () => {
  let pagedRoom: string;
  beforeAll(async () => {
    pagedRoom = (await createRoom(server, carol, [alice.id, bob.id])).room.id;
    for (let i = 1; i <= 120; i++) await sendMessage(server, carol, pagedRoom, `m${i}`);
  });

  it('answers the newest 50, oldest-first, by default', async () => {
    const data = await expectData(server.httpUrl, alice.token, HISTORY, { roomId: pagedRoom });
    expect(data.messages.edges.map((edge: any) => edge.node.seq)).toEqual(range(71, 120));
    expect(data.messages.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
  });

  it('pages backwards with last + before until the first message', async () => {
    const seen: number[] = [];
    let before: string | undefined;
    for (;;) {
      const data = await expectData(server.httpUrl, alice.token, HISTORY, { roomId: pagedRoom, last: 40, before });
      seen.unshift(...data.messages.edges.map((edge: any) => edge.node.seq));
      if (!data.messages.pageInfo.hasPreviousPage) break;
      before = data.messages.pageInfo.startCursor;
    }
    expect(seen).toEqual(range(1, 120));
  });

  it('pages forwards with first + after and reports both ends', async () => {
    const first = await expectData(server.httpUrl, alice.token, HISTORY, { roomId: pagedRoom, first: 10 });
    expect(first.messages.pageInfo).toMatchObject({ hasPreviousPage: false, hasNextPage: true });
    const next = await expectData(server.httpUrl, alice.token, HISTORY, { roomId: pagedRoom, first: 10, after: first.messages.pageInfo.endCursor });
    expect(next.messages.edges.map((edge: any) => edge.node.seq)).toEqual(range(11, 20));
    expect(next.messages.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
  });

  it('is the same through Room.messages', async () => {
    const data = await expectData(
      server.httpUrl,
      bob.token,
      'query($id: ID!) { room(id: $id) { lastMessage { seq content } messages(last: 2) { edges { node { seq } } } } }',
      { id: pagedRoom },
    );
    expect(data.room.lastMessage).toEqual({ seq: 120, content: 'm120' });
    expect(data.room.messages.edges.map((edge: any) => edge.node.seq)).toEqual([119, 120]);
  });

  it.each([
    ['first above 100', { first: 101 }],
    ['negative last', { last: -1 }],
    ['a cursor it never issued', { after: 'bm90LWEtY3Vyc29y' }],
    ['first and last together', { first: 1, last: 1 }],
  ])('refuses %s with BAD_USER_INPUT', async (_case, args) => {
    const result = await graphqlHttp(server.httpUrl, alice.token, HISTORY, { roomId: pagedRoom, ...args });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('accepts first: 0 and answers an empty page', async () => {
    const data = await expectData(server.httpUrl, alice.token, HISTORY, { roomId: pagedRoom, first: 0 });
    expect(data.messages.edges).toEqual([]);
  });
});
