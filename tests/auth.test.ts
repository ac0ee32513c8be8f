// Identity: where a token may travel, which tokens are refused and how, who a token names, how names
// are kept current and looked up, and the three key sources (shared secret, PEM public key, JWKS).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey } from 'jose';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createRoom, sendMessage } from './helpers/chat.ts';
import { expectData, graphqlHttp } from './helpers/http.ts';
import { disposeLater } from './helpers/disposal.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, developmentKey, tokenFor, uniqueUserId } from './helpers/tokens.ts';
import { collect, rawSocket, withTimeout, wsClient } from './helpers/ws.ts';

const ME = 'query { me { id name } }';


// ---------------------------------------------------------------------------------------------
// Helpers: a socket spoken to by hand, the graphql-ws client with its close recorded, tiny servers.

type RawSocket = ReturnType<typeof rawSocket>;
interface Frame {
  type: string;
  id?: string;
  payload?: any;
}

/** Opens a graphql-transport-ws socket and sends connection_init with `payload` (none when undefined). */
async function initSocket(url: string, payload: Record<string, unknown> | undefined, headers?: Record<string, string>) {
  const raw = rawSocket(url, 'graphql-transport-ws', headers);
  await withTimeout(raw.opened, 'the WebSocket to open');
  raw.socket.send(JSON.stringify(payload === undefined ? { type: 'connection_init' } : { type: 'connection_init', payload }));
  return raw;
}

/** The first frame (already received or still to come) matching `predicate`; fails fast if the socket closes first. */
function nextFrame(raw: RawSocket, predicate: (frame: Frame) => boolean, what: string, timeoutMs = 5000): Promise<Frame> {
  const found = new Promise<Frame>((resolve, reject) => {
    const check = () => {
      const frame = (raw.messages as Frame[]).find(predicate);
      if (!frame) return;
      raw.socket.off('message', check);
      resolve(frame);
    };
    // rawSocket's own listener was added first, so the frame is in `messages` when this one runs.
    raw.socket.on('message', check);
    void raw.closed.then(({ code, reason }) => reject(new Error(`the socket closed (${code} ${reason}) while waiting for ${what}`)));
    check();
  });
  return withTimeout(found, what, timeoutMs);
}

/** Runs `me` on an acknowledged raw socket by speaking the protocol: subscribe, then next. */
async function meOverRawSocket(raw: RawSocket, id: string) {
  raw.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: ME } }));
  const next = await nextFrame(raw, (frame) => frame.id === id && frame.type === 'next', `the result of operation ${id}`);
  return next.payload.data.me as { id: string; name: string | null };
}

/** A graphql-ws client whose socket closes are recorded with the time they were seen. */
function recordingClient(url: string, options: Parameters<typeof wsClient>[1] = {}) {
  const closes: { code: number; reason: string; at: number }[] = [];
  let connections = 0;
  let onClose: () => void = () => undefined;
  const client = wsClient(url, {
    // A non-lazy client reports its final close here (console.error by default); `closed` records it.
    onNonLazyError: () => undefined,
    ...options,
    on: {
      connected: () => void connections++,
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        closes.push({ code, reason: String(reason), at: Date.now() });
        onClose();
      },
    },
  });
  const firstClose = withTimeout(
    new Promise<(typeof closes)[number]>((resolve) => {
      onClose = () => resolve(closes[0]!);
    }),
    'the server to close the socket of the graphql-ws client',
    8000,
  );
  firstClose.catch(() => undefined); // awaited only by the tests that expect a close
  return { client, closes, firstClose, connections: () => connections };
}

/** One result of `me` over a graphql-ws client. */
async function meOverClient(client: Client) {
  const feed = collect<{ id: string; name: string | null }>(client, ME, {}, 'me');
  try {
    const [me] = await feed.waitForCount(1, 5000);
    return me!;
  } finally {
    feed.dispose();
  }
}

/** The `ws` package takes headers in its options; graphql-ws takes a class, so one is made per header set. */
function webSocketWithHeaders(headers: Record<string, string>) {
  return class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  };
}

/** A loopback HTTP server for the test (a profile service, a key set); answers come from `handle`. */
async function startLocalServer(handle: (path: string) => { status: number; body: unknown }) {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push(path);
    const { status, body } = handle(path);
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: disposeLater('a local HTTP server', async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }),
  };
}

/** HTTP refuses a token as GraphQL over HTTP refuses a request before it runs: 401, UNAUTHENTICATED, no data. */
async function expectHttpRefusal(url: string, token: string | undefined, query = ME) {
  const result = await graphqlHttp(url, token, query);
  expect(result.status).toBe(401);
  expect(result.contentType).toMatch(/^application\/graphql-response\+json/);
  expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(result.data).toBeUndefined();
}

/** A WebSocket presenting the token at connection_init is closed with 4401 and never acknowledged. */
async function expectSocketRefusal(url: string, token: string | undefined) {
  const raw = await initSocket(url, token === undefined ? undefined : { authorization: `Bearer ${token}` });
  const closed = await withTimeout(raw.closed, 'the server to close a socket with a refused token');
  expect(closed.code).toBe(4401);
  expect(raw.messages).toEqual([]); // no connection_ack, so no operation could have run
}

const seconds = () => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------------------------------------

describe('with the development secret (HS256)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });

  describe('WebSocket token transports', () => {
    // Each transport turns (socket URL, token) into the arguments of wsClient.
    const transports: [string, (url: string, token: string) => Parameters<typeof wsClient>][] = [
      ['connectionParams.authorization as "Bearer <jwt>"', (url, token) => [url, { connectionParams: { authorization: `Bearer ${token}` } }]],
      ['connectionParams.authorization as the bare jwt', (url, token) => [url, { connectionParams: { authorization: token } }]],
      ['connectionParams.token', (url, token) => [url, { connectionParams: { token } }]],
      ['the token query parameter of the socket URL', (url, token) => [`${url}?token=${encodeURIComponent(token)}`, {}]],
      [
        'the Authorization header of the upgrade request',
        (url, token) => [url, { webSocketImpl: webSocketWithHeaders({ authorization: `Bearer ${token}` }) }],
      ],
    ];

    it.each(transports)('a token in %s identifies the user', async (_transport, connect) => {
      const user = await createUser('transport');
      const client = wsClient(...connect(server.wsUrl, user.token));
      try {
        expect(await meOverClient(client)).toEqual({ id: user.id, name: user.name });
      } finally {
        await client.dispose();
      }
    });

    it('a socket with the token in its upgrade header is acknowledged for a connection_init without payload', async () => {
      const user = await createUser('header');
      const raw = await initSocket(server.wsUrl, undefined, { authorization: `Bearer ${user.token}` });
      await nextFrame(raw, (frame) => frame.type === 'connection_ack', 'connection_ack');
      expect(await meOverRawSocket(raw, 'me-1')).toEqual({ id: user.id, name: user.name });
      raw.socket.close(1000);
    });
  });

  describe('refused tokens', () => {
    const refused: [string, (userId: string) => Promise<string | undefined>][] = [
      ['no token', async () => undefined],
      ['a malformed token ("abc")', async () => 'abc'],
      [
        'a token signed with another secret',
        (userId) =>
          new SignJWT({})
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject(userId)
            .setExpirationTime('1h')
            .sign(new TextEncoder().encode('not-the-secret-this-service-was-given')),
      ],
      [
        'a token signed with HS512 while HS256 is configured',
        (userId) => new SignJWT({}).setProtectedHeader({ alg: 'HS512' }).setSubject(userId).setExpirationTime('1h').sign(developmentKey),
      ],
      ['an unsecured token (alg: none)', async (userId) => new UnsecuredJWT({}).setSubject(userId).setExpirationTime('1h').encode()],
      ['an expired token', (userId) => tokenFor(userId, { expiresInSeconds: -1 })],
      ['a token whose nbf is in the future', (userId) => tokenFor(userId, { claims: { nbf: seconds() + 60 } })],
      [
        'a token that names no user (no sub, no user_id)',
        () => new SignJWT({ name: 'Nobody' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(developmentKey),
      ],
    ];

    it.each(refused)('over HTTP, %s is answered 401 UNAUTHENTICATED with no data', async (_case, mint) => {
      await expectHttpRefusal(server.httpUrl, await mint(uniqueUserId('refused')));
    });

    it.each(refused)('over WebSocket, %s closes the socket with 4401 before any operation runs', async (_case, mint) => {
      await expectSocketRefusal(server.wsUrl, await mint(uniqueUserId('refused')));
    });

    it('the graphql-ws client offering a refused token sees 4401 and no result', async () => {
      const expired = await tokenFor(uniqueUserId('expired'), { expiresInSeconds: -1 });
      const { client, firstClose } = recordingClient(server.wsUrl, { token: expired });
      const feed = collect(client, ME);
      try {
        expect((await firstClose).code).toBe(4401);
        await feed.waitForError();
        expect(feed.events).toEqual([]);
      } finally {
        feed.dispose();
        await client.dispose();
      }
    });
  });

  describe('token expiry on an open socket', () => {
    it('a socket whose token expires is closed with 4401 once it has expired, not before', async () => {
      const user = uniqueUserId('expiring');
      const token = await tokenFor(user, { expiresInSeconds: 2 });
      const expiresAtMs = decodeJwt(token).exp! * 1000;
      const { client, firstClose } = recordingClient(server.wsUrl, { token, lazy: false });
      try {
        expect((await meOverClient(client)).id).toBe(user);
        const closed = await firstClose;
        expect(closed.code).toBe(4401);
        expect(closed.at).toBeGreaterThanOrEqual(expiresAtMs);
      } finally {
        await client.dispose();
      }
    });
  });

  describe('identity from claims', () => {
    it('the user id is the sub claim', async () => {
      const id = uniqueUserId('sub');
      const data = await expectData(server.httpUrl, await tokenFor(id), ME);
      expect(data.me.id).toBe(id);
    });

    it('the user id is the user_id claim when the token has no sub', async () => {
      const id = uniqueUserId('legacy');
      const token = await tokenFor(id, { subjectClaim: 'user_id' });
      expect(decodeJwt(token).sub).toBeUndefined();
      expect((await expectData(server.httpUrl, token, ME)).me.id).toBe(id);
    });

    it('sub wins over user_id when the token carries both', async () => {
      const id = uniqueUserId('both');
      const token = await tokenFor(id, { claims: { user_id: uniqueUserId('other') } });
      expect((await expectData(server.httpUrl, token, ME)).me.id).toBe(id);
    });

    it.each([
      ['name first', { name: 'Name', preferred_username: 'preferred', username: 'user' }, 'Name'],
      ['preferred_username when there is no name', { preferred_username: 'preferred', username: 'user' }, 'preferred'],
      ['username when there is neither', { username: 'user' }, 'user'],
      ['null when the token carries no name', {}, null],
    ])('the display name is %s', async (_case, claims, expected) => {
      const id = uniqueUserId('named');
      const data = await expectData(server.httpUrl, await tokenFor(id, { claims }), ME);
      expect(data.me).toEqual({ id, name: expected });
    });
  });

  describe('names kept current', () => {
    const ROOM = `query($id: ID!) {
      room(id: $id) {
        members { id name }
        messages(first: 10) { edges { node { content senderName sender { id name } } } }
      }
    }`;

    it('a new name in the token renames the user in Room.members and Message.sender; senderName keeps the name at sending', async () => {
      const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
      const roomId = (await createRoom(server, alice, [bob.id])).room.id;
      await sendMessage(server, alice, roomId, 'before the rename');

      const renamed = { ...alice, name: 'Alice Renamed', token: await tokenFor(alice.id, { name: 'Alice Renamed' }) };
      expect((await expectData(server.httpUrl, renamed.token, ME)).me).toEqual({ id: alice.id, name: 'Alice Renamed' });
      await sendMessage(server, renamed, roomId, 'after the rename');

      const { room } = await expectData(server.httpUrl, bob.token, ROOM, { id: roomId });
      expect(room.members).toContainEqual({ id: alice.id, name: 'Alice Renamed' });
      expect(room.messages.edges.map((edge: any) => edge.node)).toEqual([
        { content: 'before the rename', senderName: alice.name, sender: { id: alice.id, name: 'Alice Renamed' } },
        { content: 'after the rename', senderName: 'Alice Renamed', sender: { id: alice.id, name: 'Alice Renamed' } },
      ]);
    });

    it('a name given at socket connection renames the user too', async () => {
      const [carol, dave] = await Promise.all([createUser('carol'), createUser('dave')]);
      const roomId = (await createRoom(server, carol, [dave.id])).room.id;
      const client = wsClient(server.wsUrl, { token: await tokenFor(carol.id, { name: 'Carol on the phone' }) });
      try {
        expect((await meOverClient(client)).name).toBe('Carol on the phone');
      } finally {
        await client.dispose();
      }
      const { room } = await expectData(server.httpUrl, dave.token, ROOM, { id: roomId });
      expect(room.members).toContainEqual({ id: carol.id, name: 'Carol on the phone' });
    });
  });

  describe('tokens for users the service changed or lost', () => {
    it('a token whose payload was altered after signing is refused', async () => {
      const user = await createUser('tampered');
      const [header, , signature] = user.token.split('.') as [string, string, string];
      const payload = Buffer.from(JSON.stringify({ sub: 'admin', name: 'Admin', exp: 4102444800 })).toString('base64url');
      const result = await graphqlHttp(server.httpUrl, `${header}.${payload}.${signature}`, '{ me { id } }');
      expect(result.status).toBe(401);
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('a valid token of a user whose row was deleted brings the user back, name included', async () => {
      const user = await createUser('deleted');
      const other = await createUser('other');
      expect((await expectData(server.httpUrl, user.token, '{ me { id name } }')).me).toEqual({ id: user.id, name: user.name });
      await server.database.orm.em.fork().execute('delete from users where id = ?', [user.id]);
      const { room } = await createRoom(server, user, [other.id]);
      expect(room.members).toContainEqual({ id: user.id, name: user.name });
      expect((await sendMessage(server, user, room.id, 'back again')).senderId).toBe(user.id);
    });
  });
});

describe('questions about the schema alone', () => {
  const SCHEMA = '{ __schema { queryType { name } } __type(name: "Room") { name } }';
  let development: TestServer;
  let production: TestServer;
  beforeAll(async () => {
    [development, production] = await Promise.all([
      startServer(),
      startServer({ NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(32), GRAPHQL_INTROSPECTION: 'true' }),
    ]);
  });

  it.each([
    ['no token', undefined],
    ["GraphiQL's placeholder", '<paste a token: npm run -s token -- alice Alice>'],
  ])('in development are answered with %s (GraphiQL\'s docs before the header is set)', async (_case, token) => {
    const result = await graphqlHttp(development.httpUrl, token, SCHEMA);
    expect(result).toMatchObject({ status: 200, data: { __schema: { queryType: { name: 'Query' } }, __type: { name: 'Room' } } });
    expect(result.errors).toBeUndefined();
  });

  it('in development, anything beyond the schema still needs a token, and a schema question over a query limit is still refused', async () => {
    await expectHttpRefusal(development.httpUrl, undefined, '{ __typename me { id } }');
    const deep = `{ __type(name: "Room") { ${'ofType { '.repeat(12)}name${' }'.repeat(12)} } }`;
    expect(await graphqlHttp(development.httpUrl, undefined, deep)).toMatchObject({ status: 400, data: undefined, errors: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
  });

  it('in production (introspection on) need a token like everything else', async () => {
    await expectHttpRefusal(production.httpUrl, undefined, SCHEMA);
  });
});

describe('AUTH_PROFILE_URL', () => {
  let server: TestServer;
  let profiles: Awaited<ReturnType<typeof startLocalServer>>;
  const profileName = (id: string) => `Profile of ${id}`;
  const requestsFor = (id: string) => profiles.requests.filter((path) => path === `/users/${encodeURIComponent(id)}`).length;

  beforeAll(async () => {
    profiles = await startLocalServer((path) => {
      const id = decodeURIComponent(/^\/users\/([^/?]+)$/.exec(path)?.[1] ?? '');
      if (id.startsWith('broken-')) return { status: 500, body: { error: 'profile store down' } };
      if (id.startsWith('handle-')) return { status: 200, body: { username: `@${id}` } };
      return id ? { status: 200, body: { name: profileName(id) } } : { status: 404, body: {} };
    });
    server = await startServer({ AUTH_PROFILE_URL: `${profiles.url}/users/{id}` });
  });

  it('a token without a name takes the name of the profile', async () => {
    const id = uniqueUserId('profiled');
    const data = await expectData(server.httpUrl, await tokenFor(id), ME);
    expect(data.me).toEqual({ id, name: profileName(id) });
    expect(requestsFor(id)).toBe(1);
  });

  it("a profile's username is used when it has no name", async () => {
    const id = uniqueUserId('handle');
    expect((await expectData(server.httpUrl, await tokenFor(id), ME)).me.name).toBe(`@${id}`);
  });

  it('a token with a name keeps it and fetches no profile', async () => {
    const id = uniqueUserId('named');
    const data = await expectData(server.httpUrl, await tokenFor(id, { name: 'From the token' }), ME);
    expect(data.me.name).toBe('From the token');
    expect(requestsFor(id)).toBe(0);
  });

  it('a failing profile service leaves the name null and the token still accepted', async () => {
    const id = uniqueUserId('broken');
    const result = await graphqlHttp(server.httpUrl, await tokenFor(id), ME);
    expect(result.status).toBe(200);
    expect(result.data?.me).toEqual({ id, name: null });
  });

  it('over WebSocket the profile is fetched once per connection, not per operation', async () => {
    const id = uniqueUserId('socket');
    const { client, connections } = recordingClient(server.wsUrl, { token: await tokenFor(id), lazy: false });
    try {
      for (let i = 0; i < 3; i++) expect(await meOverClient(client)).toEqual({ id, name: profileName(id) });
      const room = await collect(client, 'mutation($ids: [ID!]!) { createRoom(participantIds: $ids) { room { members { id name } } } }', {
        ids: [uniqueUserId('peer')],
      }).waitForCount(1);
      expect((room[0] as any).room.members).toContainEqual({ id, name: profileName(id) });
      expect(connections()).toBe(1);
      expect(requestsFor(id)).toBe(1);
    } finally {
      await client.dispose();
    }
  });
});

describe('JWT_PUBLIC_KEY with RS256', () => {
  let server: TestServer;
  let privateKey: CryptoKey;
  let pem: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    pem = await exportSPKI(pair.publicKey);
    server = await startServer({ JWT_PUBLIC_KEY: pem, JWT_ALGORITHM: 'RS256' });
  });

  const rs256Token = (userId: string, key: CryptoKey = privateKey) =>
    new SignJWT({ name: 'Rita' }).setProtectedHeader({ alg: 'RS256' }).setSubject(userId).setExpirationTime('1h').sign(key);

  it('a token signed with the private key is accepted over HTTP and WebSocket', async () => {
    const id = uniqueUserId('rsa');
    const token = await rs256Token(id);
    expect((await expectData(server.httpUrl, token, ME)).me).toEqual({ id, name: 'Rita' });
    const client = wsClient(server.wsUrl, { token });
    try {
      expect((await meOverClient(client)).id).toBe(id);
    } finally {
      await client.dispose();
    }
  });

  it('an HS256 token signed with the PEM text as the HMAC secret (HS/RS confusion) is refused', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(uniqueUserId('confused'))
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(pem));
    await expectHttpRefusal(server.httpUrl, token);
    await expectSocketRefusal(server.wsUrl, token);
  });

  it('a token signed with another RSA key is refused', async () => {
    const other = await generateKeyPair('RS256');
    await expectHttpRefusal(server.httpUrl, await rs256Token(uniqueUserId('stranger'), other.privateKey));
  });

  it('a token signed with the development secret is refused', async () => {
    await expectHttpRefusal(server.httpUrl, await tokenFor(uniqueUserId('dev')));
  });
});

describe('JWT_JWKS_URL with ES256, JWT_ISSUER and JWT_AUDIENCE', () => {
  const ISSUER = 'https://id.example.test/';
  const AUDIENCE = 'chat-api';
  let server: TestServer;
  let keySet: Awaited<ReturnType<typeof startLocalServer>>;
  let privateKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' };
    keySet = await startLocalServer((path) =>
      path === '/.well-known/jwks.json' ? { status: 200, body: { keys: [jwk] } } : { status: 404, body: {} },
    );
    server = await startServer({
      JWT_JWKS_URL: `${keySet.url}/.well-known/jwks.json`,
      JWT_ALGORITHM: 'ES256',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
    });
  });

  const es256Token = (
    userId: string,
    options: { issuer?: string | null; audience?: string | null; key?: CryptoKey; kid?: string } = {},
  ) => {
    const jwt = new SignJWT({ preferred_username: 'erin' })
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'key-1' })
      .setSubject(userId)
      .setExpirationTime('1h');
    const issuer = options.issuer === undefined ? ISSUER : options.issuer;
    const audience = options.audience === undefined ? AUDIENCE : options.audience;
    if (issuer !== null) jwt.setIssuer(issuer);
    if (audience !== null) jwt.setAudience(audience);
    return jwt.sign(options.key ?? privateKey);
  };

  it('a token signed with a key of the set, from the issuer, for the audience is accepted over HTTP and WebSocket', async () => {
    const id = uniqueUserId('jwks');
    const token = await es256Token(id);
    expect((await expectData(server.httpUrl, token, ME)).me).toEqual({ id, name: 'erin' });
    const client = wsClient(server.wsUrl, { token });
    try {
      expect((await meOverClient(client)).id).toBe(id);
    } finally {
      await client.dispose();
    }
    expect(keySet.requests.length).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['from another issuer', { issuer: 'https://evil.example.test/' }],
    ['with no issuer', { issuer: null }],
    ['for another audience', { audience: 'another-api' }],
    ['with no audience', { audience: null }],
  ])('a token %s is refused over HTTP and WebSocket', async (_case, options) => {
    const token = await es256Token(uniqueUserId('claims'), options);
    await expectHttpRefusal(server.httpUrl, token);
    await expectSocketRefusal(server.wsUrl, token);
  });

  it('a token signed with a key outside the set is refused, whatever kid it names', async () => {
    const stranger = await generateKeyPair('ES256');
    await expectHttpRefusal(server.httpUrl, await es256Token(uniqueUserId('stranger'), { key: stranger.privateKey }));
    await expectHttpRefusal(server.httpUrl, await es256Token(uniqueUserId('stranger'), { key: stranger.privateKey, kid: 'key-2' }));
  });
});

describe('configuration', () => {
  it('refuses to load in production without a token key, naming the keys to set', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
  });

  it('loads in production with JWT_SECRET and never uses the development secret', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 's'.repeat(32) });
    expect(config.production).toBe(true);
    expect(config.jwt.key).toEqual({ kind: 'secret', secret: 's'.repeat(32), development: false });
    expect(config.jwt.algorithm).toBe('HS256');
  });

  it('refuses a production secret shorter than 32 bytes', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(ConfigError);
  });

  it('runs in development mode with the development secret outside production', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).jwt.key).toMatchObject({ kind: 'secret', development: true });
  });
});
