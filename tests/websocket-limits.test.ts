// The WebSocket limits of docs/contract/CONTRACT.md (Limits) against real servers: a browser Origin not allowed is
// refused with 403 and too many connection attempts from one address with 429, both before any
// WebSocket exists; a frame over the size limit closes its socket with 1009; one operation past the
// per-socket limit is refused alone; a user's socket past the per-user limit is closed with 1008; a
// socket that stops reading is closed with 1008 instead of growing memory. Honest use just under
// each limit works, and one socket's fault never closes another.
import { randomBytes, randomInt } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';
import WebSocket from 'ws';
import { createRoom, sendMessage, waitUntilOnline } from './helpers/chat.ts';
import { graphqlHttp } from './helpers/http.ts';
import { disposeLater } from './helpers/disposal.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { collect, rawSocket, withTimeout, wsClient, sendFrame, waitForFrame } from './helpers/ws.ts';
import { range, until } from './helpers/waits.ts';

type Raw = ReturnType<typeof rawSocket>;
interface Frame {
  id?: string;
  type: string;
  payload?: any;
}

const PROTOCOL = 'graphql-transport-ws';
const MESSAGE_ADDED = 'subscription($roomId: ID, $afterSeq: Int) { messageAdded(roomId: $roomId, afterSeq: $afterSeq) { seq } }';

// Generous connection-rate limits where the test is not about them: with REDIS_URL the bucket of
// 127.0.0.1 is shared with every other test file running at the same time.
const MANY_CONNECTIONS = { RATE_CONNECTIONS_PER_IP_PER_SECOND: '1000000', RATE_CONNECTIONS_PER_IP_BURST: '1000000' };


async function open(server: TestServer, headers?: Record<string, string>): Promise<Raw> {
  const raw = rawSocket(server.wsUrl, PROTOCOL, headers);
  await withTimeout(raw.opened, 'the socket to open');
  return raw;
}



async function openAcknowledged(server: TestServer, user: TestUser, headers?: Record<string, string>): Promise<Raw> {
  const raw = await open(server, headers);
  sendFrame(raw, { type: 'connection_init', payload: { authorization: `Bearer ${user.token}` } });
  await waitForFrame(raw, (message) => message.type === 'connection_ack', 'connection_ack');
  return raw;
}

const closed = (raw: Raw, what: string, timeoutMs = 5000) => withTimeout(raw.closed, `the socket to close with ${what}`, timeoutMs);

/** A socket still answers: a ping gets its pong. */
async function expectAnswering(raw: Raw, what: string) {
  const payload = { probe: randomBytes(4).toString('hex') };
  sendFrame(raw, { type: 'ping', payload });
  await waitForFrame(raw, (message) => message.type === 'pong' && message.payload?.probe === payload.probe, `a pong from ${what}`);
}

/** An upgrade request by hand, to see the HTTP answer to a refused one. */
function tryUpgrade(
  server: TestServer,
  options: { headers?: Record<string, string>; localAddress?: string } = {},
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = request(server.wsUrl.replace(/^ws/, 'http'), {
        localAddress: options.localAddress,
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': randomBytes(16).toString('base64'),
          'sec-websocket-protocol': PROTOCOL,
          ...options.headers,
        },
      });
      req.on('upgrade', (response, socket) => {
        socket.destroy();
        resolve({ status: response.statusCode!, headers: response.headers });
      });
      req.on('response', (response) => {
        response.resume();
        resolve({ status: response.statusCode!, headers: response.headers });
      });
      req.on('error', reject);
      req.end();
    }),
    'the answer to an upgrade request',
  );
}

describe('Origin at the upgrade', () => {
  let server: TestServer;
  let listed: TestServer;
  let alice: TestUser;
  beforeAll(async () => {
    [server, listed, alice] = await Promise.all([
      startServer(MANY_CONNECTIONS),
      startServer({ ...MANY_CONNECTIONS, ALLOWED_ORIGINS: 'https://chat.example.com, http://localhost:5173' }),
      createUser('alice'),
    ]);
  });

  it('refuses with 403, before any WebSocket exists, a browser upgrade from another site', async () => {
    const before = server.webSocket.sockets.size;
    const answer = await tryUpgrade(server, { headers: { origin: 'https://evil.example.net' } });
    expect(answer.status).toBe(403);
    expect(server.webSocket.sockets.size).toBe(before);
  });

  it('refuses Origin: null with 403', async () => {
    expect((await tryUpgrade(server, { headers: { origin: 'null' } })).status).toBe(403);
  });

  it('refuses with 403 an origin on the same host name but another port or scheme', async () => {
    const host = `127.0.0.1:${server.port}`;
    expect((await tryUpgrade(server, { headers: { origin: `http://127.0.0.1:${server.port + 1}`, host } })).status).toBe(403);
    expect((await tryUpgrade(server, { headers: { origin: `https://127.0.0.1`, host } })).status).toBe(403);
  });

  it('with ALLOWED_ORIGINS empty, admits a page the service serves itself (Origin host equals Host)', async () => {
    const raw = await openAcknowledged(server, alice, { origin: `http://127.0.0.1:${server.port}` });
    await expectAnswering(raw, 'a same-origin socket');
  });

  it('admits a client that sends no Origin and judges it by its token alone', async () => {
    await openAcknowledged(server, alice);
    const anonymous = await open(server);
    sendFrame(anonymous, { type: 'connection_init', payload: {} });
    expect((await closed(anonymous, '4401')).code).toBe(4401);
  });

  it('with ALLOWED_ORIGINS set, admits the listed origins only: not even the service\'s own host', async () => {
    for (const origin of ['https://chat.example.com', 'http://localhost:5173']) {
      const raw = await openAcknowledged(listed, alice, { origin });
      await expectAnswering(raw, `a socket from ${origin}`);
    }
    for (const origin of [`http://127.0.0.1:${listed.port}`, 'https://chat.example.com.evil.net', 'http://localhost:5174', 'null']) {
      expect({ origin, status: (await tryUpgrade(listed, { headers: { origin } })).status }).toEqual({ origin, status: 403 });
    }
  });
});

describe('connection attempts per client IP', () => {
  const BURST = 5;
  let server: TestServer;
  let alice: TestUser;
  beforeAll(async () => {
    [server, alice] = await Promise.all([
      startServer({ RATE_CONNECTIONS_PER_IP_PER_SECOND: '1', RATE_CONNECTIONS_PER_IP_BURST: String(BURST) }),
      createUser('alice'),
    ]);
  });

  /** A loopback address of this test's own, so that its bucket is shared with nobody (Redis included). */
  const ownAddress = () => `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;

  it('admits a burst of attempts, refuses the next with 429 and Retry-After, and admits again once the bucket refills', async () => {
    const address = ownAddress();
    for (let i = 0; i < BURST; i++) {
      expect((await tryUpgrade(server, { localAddress: address })).status).toBe(101);
    }
    const refused = await tryUpgrade(server, { localAddress: address });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    expect((await tryUpgrade(server, { localAddress: address })).status).toBe(101);
  });

  it('limits the address that floods, not the sockets it opened nor other addresses', async () => {
    const flooder = ownAddress();
    const socket = new WebSocket(server.wsUrl, PROTOCOL, { localAddress: flooder });
    const raw: Raw = {
      socket,
      messages: [],
      closed: new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: String(reason) }))),
      opened: new Promise((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      }),
    };
    socket.on('message', (data) => raw.messages.push(JSON.parse(String(data))));
    disposeLater('a raw WebSocket', () => socket.terminate());
    await withTimeout(raw.opened, 'the flooder\'s first socket to open');
    sendFrame(raw, { type: 'connection_init', payload: { authorization: `Bearer ${alice.token}` } });
    await waitForFrame(raw, (message) => message.type === 'connection_ack', 'connection_ack');

    const statuses = [];
    for (let i = 0; i < BURST + 3; i++) statuses.push((await tryUpgrade(server, { localAddress: flooder })).status);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(3);

    await expectAnswering(raw, 'the flooder\'s open socket');
    expect((await tryUpgrade(server, { localAddress: ownAddress() })).status).toBe(101);
  });
});

describe('frame size, operations per socket and sockets per user', () => {
  const MAX_FRAME = 2048;
  const MAX_OPERATIONS = 3;
  const MAX_SOCKETS = 2;
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({
      ...MANY_CONNECTIONS,
      WS_MAX_FRAME_BYTES: String(MAX_FRAME),
      WS_MAX_SUBSCRIPTIONS: String(MAX_OPERATIONS),
      WS_MAX_SOCKETS_PER_USER: String(MAX_SOCKETS),
    });
  });

  /** A ping frame of exactly `bytes` bytes. */
  function pingOfSize(bytes: number): string {
    const empty = JSON.stringify({ type: 'ping', payload: { pad: '' } });
    return JSON.stringify({ type: 'ping', payload: { pad: 'x'.repeat(bytes - empty.length) } });
  }

  it('accepts a frame of exactly WS_MAX_FRAME_BYTES', async () => {
    const raw = await openAcknowledged(server, await createUser('alice'));
    const ping = pingOfSize(MAX_FRAME);
    expect(Buffer.byteLength(ping)).toBe(MAX_FRAME);
    sendFrame(raw, ping);
    await waitForFrame(raw, (message) => message.type === 'pong', 'the pong to a frame at the limit');
  });

  it('closes with 1009 a socket that sends a frame one byte over WS_MAX_FRAME_BYTES, and no other socket', async () => {
    const alice = await createUser('alice');
    const [offender, bystander] = [await openAcknowledged(server, alice), await openAcknowledged(server, await createUser('bob'))];
    sendFrame(offender, pingOfSize(MAX_FRAME + 1));
    expect((await closed(offender, '1009')).code).toBe(1009);
    await expectAnswering(bystander, 'another socket');
    await expectAnswering(await openAcknowledged(server, alice), 'a new socket of the same user');
  });

  it('closes with 4400 a binary frame, however small, and no other socket', async () => {
    const [offender, bystander] = [await openAcknowledged(server, await createUser('alice')), await openAcknowledged(server, await createUser('bob'))];
    offender.socket.send(Buffer.from(JSON.stringify({ type: 'ping' })), { binary: true });
    expect((await closed(offender, '4400')).code).toBe(4400);
    await expectAnswering(bystander, 'another socket');
  });

  it('refuses one operation past WS_MAX_SUBSCRIPTIONS with an error for its id, and keeps the socket and its other operations', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const roomId = (await createRoom(server, alice, [bob.id])).room.id;
    await sendMessage(server, alice, roomId, 'the first message');
    const raw = await openAcknowledged(server, alice);
    // A query answered once below the limit: the same text over it is refused all the same.
    const ME = '{ me { id } }';
    sendFrame(raw, { id: 'me', type: 'subscribe', payload: { query: ME } });
    await waitForFrame(raw, (message) => message.id === 'me' && message.type === 'complete', 'the query below the limit');
    // afterSeq 0 replays seq 1 at once: an accepted subscription proves itself with a `next`.
    const subscribe = (id: string) => sendFrame(raw, { id, type: 'subscribe', payload: { query: MESSAGE_ADDED, variables: { roomId, afterSeq: 0 } } });
    const replayed = (id: string) => waitForFrame(raw, (message) => message.id === id && message.type === 'next', `the replay on subscription ${id}`);

    for (let i = 1; i <= MAX_OPERATIONS; i++) {
      subscribe(`s${i}`);
      expect((await replayed(`s${i}`)).payload).toEqual({ data: { messageAdded: { seq: 1 } } });
    }
    subscribe('over');
    const refusal = await waitForFrame(raw, (message) => message.id === 'over', 'the answer to the operation over the limit');
    expect(refusal.type).toBe('error');
    expect(refusal.payload).toEqual([
      expect.objectContaining({ message: expect.stringContaining(`At most ${MAX_OPERATIONS} operations`), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }),
    ]);

    sendFrame(raw, { id: 'over-query', type: 'subscribe', payload: { query: ME } });
    const queryRefusal = await waitForFrame(raw, (message) => message.id === 'over-query', 'the answer to the query over the limit');
    expect(queryRefusal).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'BAD_USER_INPUT' } }] });

    // The socket and its subscriptions go on; completing one makes room for another.
    await sendMessage(server, bob, roomId, 'the second message');
    for (let i = 1; i <= MAX_OPERATIONS; i++) {
      await waitForFrame(raw, (message) => message.id === `s${i}` && message.payload?.data?.messageAdded?.seq === 2, `seq 2 on s${i}`);
    }
    sendFrame(raw, { id: 's1', type: 'complete' });
    subscribe('again');
    expect((await replayed('again')).payload).toEqual({ data: { messageAdded: { seq: 1 } } });
    expect(raw.socket.readyState).toBe(WebSocket.OPEN);

    // The limit is per socket: the same user's other socket runs its own.
    const other = await openAcknowledged(server, alice);
    other.socket.send(JSON.stringify({ id: 'x', type: 'subscribe', payload: { query: MESSAGE_ADDED, variables: { roomId, afterSeq: 0 } } }));
    await waitForFrame(other, (message) => message.id === 'x' && message.type === 'next', 'a subscription on another socket');
  });

  it('closes a user\'s socket past WS_MAX_SOCKETS_PER_USER at connection_init with 1008 and a reason; the others go on', async () => {
    const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
    const held: Raw[] = [];
    for (let i = 0; i < MAX_SOCKETS; i++) held.push(await openAcknowledged(server, alice));

    const over = await open(server);
    sendFrame(over, { type: 'connection_init', payload: { authorization: `Bearer ${alice.token}` } });
    const refusal = await closed(over, '1008');
    expect(refusal.code).toBe(1008);
    expect(refusal.reason).toMatch(/Too many sockets for this user: at most 2/);
    expect(over.messages).toEqual([]);

    for (const raw of held) await expectAnswering(raw, 'a socket the user already held');
    await expectAnswering(await openAcknowledged(server, bob), 'another user\'s socket');

    // A closed socket no longer counts.
    held[0]!.socket.close(1000);
    await closed(held[0]!, 'the client\'s own close');
    // The server counts the socket out when its side has closed too, a moment after the client's.
    await until(async () => {
      const again = await open(server);
      sendFrame(again, { type: 'connection_init', payload: { authorization: `Bearer ${alice.token}` } });
      return Promise.race([
        waitForFrame(again, (message) => message.type === 'connection_ack', 'connection_ack').then(() => true),
        closed(again, 'a close').then(() => false),
      ]);
    }, 'a freed socket slot: a new socket of alice acknowledged', 3000);
  });
});

describe('slow consumer', () => {
  const MESSAGES = 10_000;
  const MAX_BUFFERED = 256 * 1024;
  // Sent 100 to a request (aliases of one mutation, run one after the other) by 4 senders at once:
  // one send to a request would take a minute on embedded PGlite.
  const PER_REQUEST = 100;
  const SEND_BATCH = `mutation($r: ID!, $c: String!) { ${Array.from({ length: PER_REQUEST }, (_, i) => `m${i}: sendMessage(roomId: $r, content: $c) { seq }`).join(' ')} }`;
  // The stalled client asks for each message's 1000 characters 60 times over (aliases): 60 KB a
  // frame, 600 MB for the 10,000 if the server queued them without bound. The sends alone grow this
  // process's resident memory by 100 to 200 MB here (the test's clients, Yoga, PGlite all live in it),
  // so the bound below tells the two apart; the exact bound is the server's unsent data, sampled.
  const CONTENT_ALIASES = 60;
  const STALLED_FEED = `subscription($r: ID!) { messageAdded(roomId: $r) { seq ${Array.from({ length: CONTENT_ALIASES }, (_, i) => `c${i}: content`).join(' ')} } }`;
  const MEMORY_BOUND_MB = 400;

  /** Resident memory once garbage is collected (npm test runs node with --expose-gc). */
  function rssAfterCollection(): number {
    (globalThis as { gc?: () => void }).gc?.();
    return process.memoryUsage().rss;
  }

  it('closes with 1008 a socket that stops reading while 10,000 messages go to its room; memory stays bounded and an honest subscriber gets all of them in order', async () => {
    const server = await startServer({
      ...MANY_CONNECTIONS,
      WS_MAX_BUFFERED_BYTES: String(MAX_BUFFERED),
      RATE_SEND_MESSAGE_PER_SECOND: '1000000',
      RATE_SEND_MESSAGE_BURST: '1000000',
      MAX_QUERY_ALIASES: String(PER_REQUEST),
      MAX_QUERY_TOKENS: '100000',
      MAX_QUERY_COST: '10000000',
    });
    const [alice, slow, honest] = (await Promise.all(['alice', 'slow', 'honest'].map((label) => createUser(label)))) as [TestUser, TestUser, TestUser];
    const roomId = (await createRoom(server, alice, [slow.id, honest.id])).room.id;

    const stalled = await openAcknowledged(server, slow);
    sendFrame(stalled, { id: 'feed', type: 'subscribe', payload: { query: STALLED_FEED, variables: { r: roomId } } });
    const client = wsClient(server.wsUrl, { token: honest.token });
    const feed = collect<{ seq: number }>(client, MESSAGE_ADDED, { roomId });
    await waitUntilOnline(server, alice, roomId, slow.id);
    await waitUntilOnline(server, alice, roomId, honest.id);
    // The client stops reading: what the server sends fills the kernel's buffers, then its own.
    stalled.socket.pause();

    const rssBefore = rssAfterCollection();
    let rssPeak = rssBefore;
    let unsentPeak = 0;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      for (const socket of server.webSocket.sockets) unsentPeak = Math.max(unsentPeak, socket.bufferedAmount);
    }, 20);
    // Once the server has given up on the stalled socket (its side is closing), the client reads
    // again, to see the close frame behind what was queued before it, before ws's close timeout.
    const serverGaveUp = setInterval(() => {
      if ([...server.webSocket.sockets].some((socket) => socket.readyState === WebSocket.CLOSING)) stalled.socket.resume();
    }, 50);
    try {
      const content = (batch: number) => `batch ${batch} `.padEnd(1000, '.');
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          for (let batch = next++; batch < MESSAGES / PER_REQUEST; batch = next++) {
            const result = await graphqlHttp(server.httpUrl, alice.token, SEND_BATCH, { r: roomId, c: content(batch) });
            if (result.errors || Object.keys(result.data ?? {}).length !== PER_REQUEST) {
              throw new Error(`batch ${batch} was not sent: ${result.status} ${JSON.stringify(result.errors)?.slice(0, 300)}`);
            }
          }
        }),
      );

      const events = await feed.waitForCount(MESSAGES, 60_000);
      expect(events.map((event) => event.seq)).toEqual(range(1, MESSAGES));
      expect(feed.errors).toEqual([]);

      stalled.socket.resume();
      expect(await closed(stalled, '1008', 10_000)).toEqual({ code: 1008, reason: expect.stringMatching(/slow consumer/i) });
      expect(stalled.messages.length).toBeLessThan(MESSAGES);
    } finally {
      clearInterval(sampler);
      clearInterval(serverGaveUp);
      await client.dispose();
    }
    const grownMb = (rssPeak - rssBefore) / 1024 / 1024;
    console.info(
      `slow consumer: cut after ${stalled.messages.length} frames; unsent data peaked at ${unsentPeak} bytes; resident memory peaked ${grownMb.toFixed(1)} MB above its start`,
    );
    // Checked before each frame is sent: at most the limit plus the one frame that passed it.
    expect(unsentPeak).toBeLessThanOrEqual(MAX_BUFFERED + 64 * 1024);
    expect(grownMb).toBeLessThan(MEMORY_BOUND_MB);
  }, 180_000);
});
