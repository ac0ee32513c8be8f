// Overload (README, Overload): what waits in an instance is bounded, and work past a bound is refused
// at once with RATE_LIMITED and retryAfterMs, never BAD_USER_INPUT; what is refused is not stored,
// what is answered is stored, and a retry with the same clientMessageId stores the send once.
// PostgreSQL is held behind a proxy the test controls, so that work waits as long as the test says.
import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { createRoom, sendMessage, waitUntilOnline } from './helpers/chat.ts';
import { databaseUrl, describeWithPostgres } from './helpers/env.ts';
import { expectData } from './helpers/http.ts';
import { startServer, stopAllServers, type TestServer } from './helpers/server.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { rawSocket, sendFrame, waitForFrame, type Frame } from './helpers/ws.ts';
import { operationsOverLimit } from '../src/limits/socket-limits.ts';

jest.setTimeout(60_000);

const SEND = 'mutation($roomId: ID!, $content: String!, $cid: String) { sendMessage(roomId: $roomId, content: $content, clientMessageId: $cid) { seq clientMessageId } }';

describe('the per-socket operation limit', () => {
  const retryAfter = () => 120;
  const live = { [Symbol.asyncIterator]: () => undefined };

  it('is load while some of the operations still run: RATE_LIMITED with retryAfterMs', () => {
    const error = operationsOverLimit({ a: live, b: null, new: null }, 2, retryAfter);
    expect(error?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterMs: 120 });
  });

  it('is the client\'s doing when every other operation is a live subscription: BAD_USER_INPUT', () => {
    const error = operationsOverLimit({ a: live, b: live, new: null }, 2, retryAfter);
    expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describeWithPostgres('with PostgreSQL not answering for a while', () => {
  let proxy: TcpProxy;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    const target = new URL(databaseUrl!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
  });
  afterAll(async () => {
    proxy.release();
    await stopAllServers();
    await proxy.close();
  });

  async function serverBehindProxy(env: Record<string, string>): Promise<TestServer> {
    const viaProxy = new URL(databaseUrl!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    return startServer({ DATABASE_URL: viaProxy.toString(), RATE_SEND_MESSAGE_BURST: '1000', ...env });
  }

  /** A socket that has proved its token (over HTTP every request looks its user up in the database). */
  async function acknowledged(server: TestServer, user: TestUser) {
    const raw = rawSocket(server.wsUrl);
    await raw.opened;
    sendFrame(raw, { type: 'connection_init', payload: { authorization: `Bearer ${user.token}` } });
    await waitForFrame(raw, (frame) => frame.type === 'connection_ack', 'the ack');
    return raw;
  }

  it('sends past MAX_QUEUED_SENDS are refused at once with RATE_LIMITED and retryAfterMs, are not stored, and a retry stores them once', async () => {
    const server = await serverBehindProxy({ MAX_QUEUED_SENDS: '5' });
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    const raw = await acknowledged(server, alice);
    const cids = Array.from({ length: 10 }, () => randomUUID());
    const answers = new Map<string, Frame>();
    raw.socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame;
      if (frame.type !== 'complete') answers.set(frame.id!, frame);
    });
    proxy.hold();
    try {
      // One room: one statement writes it at a time, the next 5 sends wait, the other 4 are over the bound.
      cids.forEach((cid, i) => sendFrame(raw, { id: cid, type: 'subscribe', payload: { query: SEND, variables: { roomId, content: `send ${i}`, cid } } }));
      await until(() => answers.size === 4, 'the refusals, while PostgreSQL holds the rest');
      // A refusal while the operation runs is its result: a `next` with errors and no data.
      for (const answer of answers.values()) {
        expect(answer.payload).toEqual({
          data: null,
          errors: [expect.objectContaining({ message: expect.stringMatching(/sends waiting for storage/), extensions: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) } })],
        });
      }
    } finally {
      proxy.release();
    }
    await until(() => answers.size === 10, 'the held sends answered');
    const storedCids = cids.filter((cid) => answers.get(cid)?.payload?.data?.sendMessage);
    expect(storedCids).toHaveLength(6);
    const history = async () =>
      (await expectData(server.httpUrl, alice.token, 'query($r: ID!) { messages(roomId: $r, last: 100) { edges { node { seq clientMessageId } } } }', { r: roomId }))
        .messages.edges.map((edge: { node: { seq: number; clientMessageId: string } }) => edge.node) as { seq: number; clientMessageId: string }[];
    expect((await history()).map((node) => node.clientMessageId).sort()).toEqual([...storedCids].sort());

    // Every send retried with its clientMessageId: the refused ones stored once, the answered ones not again.
    for (const cid of cids) await sendMessage(server, alice, roomId, 'retry', cid);
    const after = await history();
    expect(after.map((node) => node.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(after.map((node) => node.clientMessageId))).toEqual(new Set(cids));
    raw.socket.close();
    await server.stop();
  });

  it('queries and mutations past MAX_OPERATIONS_IN_FLIGHT on the instance are refused before they run with RATE_LIMITED; live subscriptions do not count', async () => {
    const server = await serverBehindProxy({ MAX_OPERATIONS_IN_FLIGHT: '3' });
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    const [listener, sender] = [await acknowledged(server, bob), await acknowledged(server, alice)];
    for (let i = 0; i < 5; i++) sendFrame(listener, { id: `live${i}`, type: 'subscribe', payload: { query: 'subscription($r: ID!) { messageAdded(roomId: $r) { seq } }', variables: { r: roomId } } });
    await waitUntilOnline(server, alice, roomId, bob.id);
    proxy.hold();
    try {
      for (let i = 0; i <= 3; i++) sendFrame(sender, { id: `s${i}`, type: 'subscribe', payload: { query: SEND, variables: { roomId, content: `m${i}` } } });
      const refusal: Frame = await waitForFrame(sender, (frame) => frame.id === 's3', 'the answer to the operation over the bound');
      expect(refusal.type).toBe('error');
      expect(refusal.payload).toEqual([
        expect.objectContaining({ message: expect.stringMatching(/operations running on this instance/), extensions: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) } }),
      ]);
    } finally {
      proxy.release();
    }
    const stored = [];
    for (let i = 0; i < 3; i++) stored.push(await waitForFrame(sender, (frame) => frame.id === `s${i}` && frame.type === 'next', `send ${i} answered`));
    const lastSeq = Math.max(...stored.map((frame) => frame.payload.data.sendMessage.seq as number));
    // Room again once they are done.
    sendFrame(sender, { id: 'after', type: 'subscribe', payload: { query: SEND, variables: { roomId, content: 'after' } } });
    expect((await waitForFrame(sender, (frame) => frame.id === 'after' && frame.type === 'next', 'a send after')).payload.data.sendMessage.seq).toBe(lastSeq + 1);
    listener.socket.close();
    sender.socket.close();
    await server.stop();
  });

  it('a socket whose operations are all still running answers one more with RATE_LIMITED and retryAfterMs, not BAD_USER_INPUT', async () => {
    const server = await serverBehindProxy({ WS_MAX_SUBSCRIPTIONS: '10' });
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    const raw = await acknowledged(server, alice);
    proxy.hold();
    try {
      for (let i = 0; i <= 10; i++) sendFrame(raw, { id: `s${i}`, type: 'subscribe', payload: { query: SEND, variables: { roomId, content: `m${i}` } } });
      const refusal: Frame = await waitForFrame(raw, (frame) => frame.id === 's10', 'the answer to the operation over the limit');
      expect(refusal.type).toBe('error');
      expect(refusal.payload).toEqual([expect.objectContaining({ extensions: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) } })]);
    } finally {
      proxy.release();
    }
    for (let i = 0; i < 10; i++) await waitForFrame(raw, (frame) => frame.id === `s${i}` && frame.type === 'complete', `send ${i} answered`);
    raw.socket.close();
    await server.stop();
  });
});

/** Resolves once `check` holds (looking again every 10 ms), or rejects after 5 s naming `what`. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after 5000 ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
