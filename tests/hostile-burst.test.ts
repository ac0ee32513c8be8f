// A bounded burst of hostile traffic mixed with honest chat against one running server. Afterwards:
// every honest message that was acknowledged is stored exactly once and reached every member's
// open subscription, the room's seqs have no gap, and memory came back near where it started.
import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createRoom, sendMessage, waitUntilOnline } from './helpers/chat.ts';
import { expectData, graphqlHttp } from './helpers/http.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, tokenFor, type TestUser } from './helpers/tokens.ts';
import { range, until } from './helpers/waits.ts';
import { collect, rawSocket, withTimeout, wsClient } from './helpers/ws.ts';

jest.setTimeout(120_000);

const HONEST_PER_USER = 50;
const SEND = 'mutation($r: ID!, $c: String!, $id: String) { sendMessage(roomId: $r, content: $c, clientMessageId: $id) { seq } }';

let server: TestServer;

/** The heap in use once garbage is collected (npm test runs node with --expose-gc). */
function heapAfterCollection(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

/** Hostile traffic of one kind, repeated `times`; every answer must be an error, never a crash. */
async function repeat(times: number, attack: (i: number) => Promise<unknown>) {
  for (let i = 0; i < times; i++) await attack(i);
}

it('honest messages survive a burst of floods, bad input, forged tokens and broken sockets: stored once, delivered to all, memory back near its start', async () => {
  server = await startServer();
  const members = await Promise.all(['alice', 'bob', 'carol'].map((label) => createUser(label)));
  const [alice, bob, carol] = members as [TestUser, TestUser, TestUser];
  const flooder = await createUser('flooder');
  const outsider = await createUser('outsider');
  const room = (await createRoom(server, alice, [bob.id, carol.id, flooder.id])).room.id;
  const clients = members.map((member) => wsClient(server.wsUrl, { token: member.token }));
  const feeds = clients.map((client) => collect<{ seq: number }>(client, 'subscription($r: ID!) { messageAdded(roomId: $r) { seq } }', { r: room }));
  for (const member of members) await waitUntilOnline(server, alice, room, member.id);
  const memoryBefore = heapAfterCollection();

  const acknowledged = new Map<string, number>();
  const honest = members.map(async (member) => {
    for (let i = 0; i < HONEST_PER_USER; i++) {
      const id = `${member.id}-${i}`;
      const content = `honest ${i} from ${member.name}`;
      // An honest client retries until it gets an answer; a repeat of the same id stores nothing new.
      for (let attempt = 0; attempt < 5; attempt++) {
        const result = await graphqlHttp(server.httpUrl, member.token, SEND, { r: room, c: content, id });
        const seq = result.data?.sendMessage?.seq;
        if (seq) {
          acknowledged.set(id, seq);
          break;
        }
        const retryAfter = Number(result.errors?.[0]?.extensions?.retryAfterMs ?? 50);
        await new Promise((resolve) => setTimeout(resolve, retryAfter));
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  });

  const forged = await tokenFor(alice.id, { name: 'Alice' });
  const [header, payload, signature] = forged.split('.') as [string, string, string];
  const tampered = `${header}.${Buffer.from(JSON.stringify({ sub: 'admin', exp: 4102444800 })).toString('base64url')}.${signature}`;
  let refused = 0;
  const countRefusal = (result: { errors?: unknown[] }) => {
    if (result.errors?.length) refused++;
  };
  const hostile = [
    // A flood from a member: beyond the rate limit it is refused, and what passes is honest enough.
    repeat(300, (i) => graphqlHttp(server.httpUrl, flooder.token, SEND, { r: room, c: `flood ${i}` })),
    // Bad input of every kind.
    repeat(60, (i) =>
      graphqlHttp(server.httpUrl, bob.token, SEND, { r: room, c: ['', ' ', 'x'.repeat(5000), 'a\u0000b', '\ud800'][i % 5] }).then(countRefusal),
    ),
    // Forged, tampered and missing tokens.
    repeat(40, (i) => graphqlHttp(server.httpUrl, [tampered, `${header}.${payload}.`, 'abc', undefined][i % 4], SEND, { r: room, c: 'x' }).then(countRefusal)),
    // A stranger to the room, and rooms that do not exist.
    repeat(40, (i) => graphqlHttp(server.httpUrl, outsider.token, SEND, { r: i % 2 ? room : randomUUID(), c: 'let me in' }).then(countRefusal)),
    // Queries far over the limits (hundreds of aliases).
    repeat(20, () =>
      graphqlHttp(server.httpUrl, alice.token, `{ ${Array.from({ length: 300 }, (_, i) => `a${i}: rooms { edges { node { id } } }`).join(' ')} }`),
    ),
    // Broken sockets: garbage frames, and sockets that never say hello.
    repeat(20, async (i) => {
      const raw = rawSocket(server.wsUrl);
      await raw.opened;
      if (i % 2) raw.socket.send('{not json');
      else raw.socket.send(JSON.stringify({ type: 'subscribe', id: '1', payload: { query: '{ me { id } }' } }));
      await withTimeout(raw.closed, 'a broken socket to be closed');
    }),
  ];
  await Promise.all([...honest, ...hostile]);

  expect(acknowledged.size).toBe(members.length * HONEST_PER_USER);
  expect(refused).toBeGreaterThanOrEqual(140);

  // Stored exactly once: every acknowledged id appears once in the history, at the seq it was given.
  const history: { seq: number; clientMessageId: string | null }[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await expectData(
      server.httpUrl,
      alice.token,
      'query($r: ID!, $b: String) { messages(roomId: $r, last: 100, before: $b) { edges { node { seq clientMessageId } } pageInfo { hasPreviousPage startCursor } } }',
      { r: room, b: before },
    );
    history.unshift(...page.messages.edges.map((edge: { node: { seq: number; clientMessageId: string | null } }) => edge.node));
    if (!page.messages.pageInfo.hasPreviousPage) break;
    before = page.messages.pageInfo.startCursor;
  }
  const lastSeq = history.length;
  expect(history.map((message) => message.seq)).toEqual(range(1, lastSeq));
  for (const [id, seq] of acknowledged) {
    expect(history.filter((message) => message.clientMessageId === id).map((message) => message.seq)).toEqual([seq]);
  }

  // Delivered to every member's open subscription, in order, with no gap.
  for (const feed of feeds) {
    await feed.waitForCount(lastSeq, 15_000);
    expect(feed.events.map((event) => event.seq)).toEqual(range(1, lastSeq));
  }

  await Promise.all(clients.map((client) => client.dispose()));
  await until(() => server.webSocket.sockets.size === 0, "the server to let go of every member's socket");
  const grownMb = (heapAfterCollection() - memoryBefore) / 1024 / 1024;
  console.info(
    `hostile burst: ${acknowledged.size} honest messages acknowledged, ${lastSeq - acknowledged.size} flood messages let through, ${refused} hostile requests refused, heap ${grownMb.toFixed(1)} MB above its start`,
  );
  expect(grownMb).toBeLessThan(50);
});
