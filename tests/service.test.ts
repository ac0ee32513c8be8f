// The service as operators and protocol clients see it: /health, the committed schema against the
// contract, data kept across a restart on embedded PGlite, GraphQL over HTTP refusals, the
// graphql-ws close codes, and the masking of unexpected errors in production.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSchema, findBreakingChanges } from 'graphql';
import { SignJWT } from 'jose';
import { printSchemaFile } from '../src/schema/print.ts';
import { createRoom, sendMessage, waitUntilOnline } from './helpers/chat.ts';
import { redisUrl } from './helpers/env.ts';
import { expectData, graphqlHttp } from './helpers/http.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, uniqueUserId, type TestUser } from './helpers/tokens.ts';
import { until } from './helpers/waits.ts';
import { rawSocket, withTimeout, sendFrame, waitForFrame, type Frame } from './helpers/ws.ts';

let server: TestServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  server = await startServer();
  [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
});

describe('GET /health', () => {
  it(`answers 200 with JSON naming the database${redisUrl ? ' and Redis' : ''} as up`, async () => {
    // Redis is connected in the background after start: until then the answer is a 503 that names
    // Redis, and only Redis, as down.
    const response = await until(async () => {
      const answer = await fetch(`${server.url}/health`);
      if (answer.status === 200) return answer;
      expect({ status: answer.status, body: await answer.json() }).toEqual({
        status: 503,
        body: { status: 'unavailable', checks: { database: 'up', redis: 'down' } },
      });
    }, '/health to answer 200 (Redis to connect)', 5000);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ok', checks: { database: 'up', ...(redisUrl ? { redis: 'up' } : {}) } });
  });

  it('is the one health endpoint: /health?live is Yoga\'s liveness (200, nothing checked), /yoga-health is not served', async () => {
    const live = await fetch(`${server.url}/health?live`);
    expect({ status: live.status, body: await live.text() }).toEqual({ status: 200, body: '' });
    expect((await fetch(`${server.url}/yoga-health`)).status).toBe(404);
  });
});

describe('schema.graphql', () => {
  const committedFile = new URL('../schema.graphql', import.meta.url);
  // The contract's copy kept in the repository (.ci/run checks it against the shared contract).
  const contractFile = new URL('../docs/contract/schema.graphql', import.meta.url);

  it('is what the code prints now (else run `npm run schema` and commit the result)', async () => {
    const committed = await readFile(committedFile, 'utf8');
    if (committed !== printSchemaFile()) {
      throw new Error('schema.graphql is stale: it differs from what src/schema prints. Run `npm run schema` and commit the result.');
    }
  });

  it('contains the whole contract: no breaking change from the contract schema', async () => {
    const [contract, committed] = await Promise.all([readFile(contractFile, 'utf8'), readFile(committedFile, 'utf8')]);
    const changes = findBreakingChanges(buildSchema(contract), buildSchema(committed));
    expect(changes.map((change) => `${change.type}: ${change.description}`)).toEqual([]);
  });
});

describe('embedded PGlite', () => {
  it('keeps rooms and messages when the service restarts on the same PGLITE_DIR', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chat-restart-pglite-'));
    // DATABASE_URL '' is unset for the config loader, so both runs use PGlite even when CI sets it.
    const env = { PGLITE_DIR: dir, DATABASE_URL: '' };
    let running: TestServer | undefined;
    try {
      running = await startServer(env);
      expect(running.database.embedded).toBe(true);
      const roomId = (await createRoom(running, alice, [bob.id])).room.id;
      const sent = await sendMessage(running, alice, roomId, 'still here after a restart');
      await running.stop();
      running = undefined;

      running = await startServer(env);
      expect(running.database.embedded).toBe(true);
      const data = await expectData(
        running.httpUrl,
        bob.token,
        'query($id: ID!) { room(id: $id) { id members { id } messages { edges { node { id seq senderId content } } } } }',
        { id: roomId },
      );
      expect(data.room.members.map((member: { id: string }) => member.id).sort()).toEqual([alice.id, bob.id].sort());
      expect(data.room.messages.edges.map((edge: any) => edge.node)).toEqual([
        { id: sent.id, seq: 1, senderId: alice.id, content: 'still here after a restart' },
      ]);
      const again = await createRoom(running, bob, [alice.id]);
      expect(again).toMatchObject({ created: false, room: { id: roomId } });
    } finally {
      await running?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('GraphQL over HTTP refusals', () => {
  interface RawResult {
    status: number;
    contentType: string | undefined;
    body: Record<string, any>;
  }

  /** A POST through node:http, which (unlike fetch) sends no Accept header unless told to. */
  function post(body: string, headers: Record<string, string>): Promise<RawResult> {
    return withTimeout(
      new Promise<RawResult>((resolve, reject) => {
        const req = request(server.httpUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode!, contentType: res.headers['content-type'], body: JSON.parse(text) });
            } catch (error) {
              reject(new Error(`not JSON (${res.statusCode}): ${text.slice(0, 200)}`, { cause: error }));
            }
          });
        });
        req.on('error', reject);
        req.end(body);
      }),
      'the HTTP response',
    );
  }

  const refused = [
    ['a query that does not parse', JSON.stringify({ query: '{ me { id }' })],
    ['a query that does not validate', JSON.stringify({ query: '{ me { id noSuchField } }' })],
    ['a query whose required variable is missing', JSON.stringify({ query: 'query($id: ID!) { room(id: $id) { id } }' })],
    [
      'a query whose variable has the wrong type',
      JSON.stringify({ query: 'query($first: Int) { rooms(first: $first) { edges { cursor } } }', variables: { first: 'ten' } }),
    ],
    ['a body that is not JSON', '{"query": '],
    ['a body with no query', '{}'],
  ] as const;
  const accepts = [
    ['Accept: application/graphql-response+json', { accept: 'application/graphql-response+json' }],
    ['no Accept header at all', {}],
    ['Accept: */*', { accept: '*/*' }],
  ] as const;

  describe.each(accepts)('with %s', (_accept, acceptHeader) => {
    it.each(refused)(
      'answers %s with a 4xx status, application/graphql-response+json, no data and BAD_USER_INPUT',
      async (_case, body) => {
        const result = await post(body, { ...acceptHeader, authorization: `Bearer ${alice.token}` });
        expect(result.status).toBeGreaterThanOrEqual(400);
        expect(result.status).toBeLessThan(500);
        expect(result.contentType).toMatch(/^application\/graphql-response\+json/);
        expect(result.body).not.toHaveProperty('data');
        expect(result.body.errors?.length).toBeGreaterThan(0);
        for (const error of result.body.errors) expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      },
    );
  });

  it('answers an unknown room with NOT_FOUND at the field and null data', async () => {
    const result = await graphqlHttp(server.httpUrl, alice.token, '{ room(id: "00000000-0000-4000-8000-000000000000") { id } }');
    expect(result.status).toBe(200);
    expect(result.data).toBeNull();
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]).toMatchObject({ path: ['room'], extensions: { code: 'NOT_FOUND' } });
  });
});

describe('WebSocket protocol (graphql-transport-ws)', () => {
  type Raw = ReturnType<typeof rawSocket>;
  interface Frame {
    id?: string;
    type: string;
    payload?: any;
  }

  async function open(): Promise<Raw> {
    const raw = rawSocket(server.wsUrl);
    await withTimeout(raw.opened, 'the socket to open');
    return raw;
  }



  const init = (raw: Raw, user: TestUser) => sendFrame(raw, { type: 'connection_init', payload: { authorization: `Bearer ${user.token}` } });

  async function openAcknowledged(user: TestUser = alice): Promise<Raw> {
    const raw = await open();
    init(raw, user);
    await waitForFrame(raw, (message) => message.type === 'connection_ack', 'connection_ack');
    return raw;
  }

  const subscribe = (raw: Raw, id: string, query: string, variables?: Record<string, unknown>) =>
    sendFrame(raw, { id, type: 'subscribe', payload: { query, variables } });

  const closeCode = async (raw: Raw, what: string, timeoutMs = 5000) =>
    (await withTimeout(raw.closed, `the socket to close with ${what}`, timeoutMs)).code;

  const MESSAGE_ADDED = 'subscription($roomId: ID) { messageAdded(roomId: $roomId) { seq content } }';

  /** A socket with a live messageAdded subscription (id "live") on `roomId`, sure to be set up. */
  async function liveSubscription(roomId: string): Promise<Raw> {
    const raw = await openAcknowledged(alice);
    subscribe(raw, 'live', MESSAGE_ADDED, { roomId });
    await waitUntilOnline(server, alice, roomId, alice.id);
    return raw;
  }

  async function expectDelivered(raw: Raw, roomId: string, content: string) {
    await sendMessage(server, bob, roomId, content);
    const next = await waitForFrame(raw, (message) => message.id === 'live' && message.payload?.data?.messageAdded?.content === content, `"${content}" on the live subscription`);
    expect(next.type).toBe('next');
  }


  it('closes with 4400 a frame that is not JSON', async () => {
    const raw = await openAcknowledged();
    sendFrame(raw, 'this is not JSON');
    expect(await closeCode(raw, '4400')).toBe(4400);
  });

  it('closes with 4400 a message of an unknown type', async () => {
    const raw = await openAcknowledged();
    sendFrame(raw, { type: 'shout', payload: {} });
    expect(await closeCode(raw, '4400')).toBe(4400);
  });

  it('closes with 4400 a subscribe message of the wrong shape', async () => {
    const raw = await openAcknowledged();
    sendFrame(raw, { type: 'subscribe', id: 'no-payload' });
    expect(await closeCode(raw, '4400')).toBe(4400);
  });

  it('closes with 4401 a subscribe sent without connection_init', async () => {
    const raw = await open();
    subscribe(raw, '1', '{ me { id } }');
    expect(await closeCode(raw, '4401')).toBe(4401);
  });

  it('closes with 4401 a subscribe sent before connection_init is acknowledged', async () => {
    const newcomer = await createUser('newcomer');
    const raw = await open();
    // Both frames leave together: the token is still being verified (and a first-seen user stored)
    // when the subscribe arrives.
    init(raw, newcomer);
    subscribe(raw, '1', '{ me { id } }');
    expect(await closeCode(raw, '4401')).toBe(4401);
    expect((raw.messages as Frame[]).filter((message) => message.type === 'next')).toEqual([]);
  });

  it('closes with 4408 a socket that sends no connection_init within the wait (3 s by default)', async () => {
    const raw = await open();
    expect(await closeCode(raw, '4408 after the init wait', 8000)).toBe(4408);
  });

  it('closes with 4409 a subscribe whose id is still active', async () => {
    const roomId = (await createRoom(server, alice, [bob.id, uniqueUserId('carol')])).room.id;
    const raw = await liveSubscription(roomId);
    subscribe(raw, 'live', MESSAGE_ADDED, { roomId });
    expect(await closeCode(raw, '4409')).toBe(4409);
  });

  it('answers a query or mutation sent again (its text already validated) with the same frames as the first time', async () => {
    const roomId = (await createRoom(server, alice, [bob.id, uniqueUserId('carol')])).room.id;
    const raw = await openAcknowledged();
    const framesFor = async (id: string) => {
      await waitForFrame(raw, (message) => message.id === id && message.type === 'complete', `${id} to complete`);
      return (raw.messages as Frame[]).filter((message) => message.id === id).map(({ id: _id, ...frame }) => frame);
    };
    const ME = '{ me { id name } }';
    const EMPTY_SEND = 'mutation($roomId: ID!) { sendMessage(roomId: $roomId, content: "") { id } }';
    for (const id of ['me-1', 'me-2']) subscribe(raw, id, ME);
    const [first, second] = [await framesFor('me-1'), await framesFor('me-2')];
    expect(first).toEqual([{ type: 'next', payload: { data: { me: { id: alice.id, name: alice.name } } } }, { type: 'complete' }]);
    expect(second).toEqual(first);
    // Refused for bad input: the same error, code and all, on the second run.
    subscribe(raw, 'empty-1', EMPTY_SEND, { roomId });
    const refused = await framesFor('empty-1');
    subscribe(raw, 'empty-2', EMPTY_SEND, { roomId });
    expect(await framesFor('empty-2')).toEqual(refused);
    expect(refused[0]).toMatchObject({ type: 'next', payload: { errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] } });
  });

  it('closes with 4409 a query whose id is still running, however often its text was sent before', async () => {
    const raw = await openAcknowledged();
    subscribe(raw, 'warm', '{ me { id } }');
    await waitForFrame(raw, (message) => message.id === 'warm' && message.type === 'complete', 'the first query to complete');
    // Both frames in one TCP write: the server reads the second while the first is running.
    const tcp = (raw.socket as unknown as { _socket: Socket })._socket;
    tcp.cork();
    subscribe(raw, 'twice', '{ me { id } }');
    subscribe(raw, 'twice', '{ me { id } }');
    tcp.uncork();
    expect(await closeCode(raw, '4409')).toBe(4409);
  });

  it('closes with 4429 a second connection_init', async () => {
    const raw = await openAcknowledged();
    init(raw, alice);
    expect(await closeCode(raw, '4429')).toBe(4429);
  });

  it('answers an operation that does not parse or validate with an error for its id, and the socket goes on', async () => {
    const roomId = (await createRoom(server, alice, [bob.id, uniqueUserId('carol')])).room.id;
    const raw = await liveSubscription(roomId);

    subscribe(raw, 'unparsable', '{ me { id }');
    const parseError = await waitForFrame(raw, (message) => message.id === 'unparsable', 'the error for the unparsable operation');
    expect(parseError).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'BAD_USER_INPUT' } }] });

    subscribe(raw, 'invalid', '{ me { noSuchField } }');
    const validationError = await waitForFrame(raw, (message) => message.id === 'invalid', 'the error for the invalid operation');
    expect(validationError).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'BAD_USER_INPUT' } }] });

    subscribe(raw, 'valid', '{ me { id } }');
    const result = await waitForFrame(raw, (message) => message.id === 'valid' && message.type === 'next', 'the result of the valid query');
    expect(result.payload).toEqual({ data: { me: { id: alice.id } } });
    await waitForFrame(raw, (message) => message.id === 'valid' && message.type === 'complete', 'the valid query to complete');

    await expectDelivered(raw, roomId, 'the subscription outlived its neighbours');
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
  });

  it("does not close one socket for another socket's fault", async () => {
    const roomId = (await createRoom(server, alice, [bob.id, uniqueUserId('carol')])).room.id;
    const healthy = await liveSubscription(roomId);
    const faulty = await openAcknowledged(bob);
    sendFrame(faulty, 'garbage');
    expect(await closeCode(faulty, '4400')).toBe(4400);
    await expectDelivered(healthy, roomId, 'still delivered after a neighbour was closed');
    expect(healthy.socket.readyState).toBe(healthy.socket.OPEN);
  });
});

describe('unexpected errors', () => {
  // A production server on its own PGlite, whose table is then renamed away behind its back: the
  // next query fails in SQL, as an outage or a bad deploy would, and its text must not reach clients.
  it('masks an unexpected error in production: INTERNAL_SERVER_ERROR with no SQL and no stack', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chat-masking-pglite-'));
    const secret = 'a-test-secret-of-at-least-thirty-two-bytes';
    let production: TestServer | undefined;
    try {
      production = await startServer({ NODE_ENV: 'production', JWT_SECRET: secret, PGLITE_DIR: dir, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'silent' });
      const userId = uniqueUserId('alice');
      const token = await new SignJWT({ name: 'Alice' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(secret));
      await expectData(production.httpUrl, token, '{ me { id } }');
      await production.database.orm.em.fork().execute('alter table rooms rename to rooms_gone');

      const result = await graphqlHttp(production.httpUrl, token, '{ rooms(first: 1) { edges { cursor } } }');
      expect(result.errors).toHaveLength(1);
      const [error] = result.errors!;
      expect(error!.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR' });
      expect(error!.message).toBe('Unexpected error.');
      expect(JSON.stringify(result)).not.toMatch(/rooms_gone|relation|select|stack|\.ts:/i);
    } finally {
      await production?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
