// Query limits (README, Security) on every transport: an operation over the depth, alias, token,
// directive or cost limit is refused before it runs (HTTP 400, application/graphql-response+json,
// no data, BAD_USER_INPUT; over WebSocket an `error` for its id on a socket that stays open), while
// the operations clients really send pass with room to spare.
import { readFile } from 'node:fs/promises';
import { Kind, parse, print, specifiedRules, validate, visit, type DocumentNode, type FragmentDefinitionNode } from 'graphql';
import { loadConfig } from '../src/config.ts';
import { schema } from '../src/schema/index.ts';
import { parseWithTokenLimit, queryLimitRules } from '../src/limits/use-query-limits.ts';
import { graphqlHttp } from './helpers/http.ts';
import { startServer, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { rawSocket, withTimeout } from './helpers/ws.ts';

const defaults = loadConfig({ NODE_ENV: 'test' }).limits.query;

let server: TestServer;
let alice: TestUser;

beforeAll(async () => {
  server = await startServer();
  alice = await createUser('alice');
});

/** Depth `depth` through introspection: the schema's own deepest path (8) is under the default. */
const deepQuery = (depth: number) => `{ __type(name: "Room") { ${'ofType { '.repeat(depth - 2)}name${' }'.repeat(depth - 2)} } }`;
const aliasQuery = (aliases: number) => `{ ${Array.from({ length: aliases }, (_, i) => `a${i}: me { id }`).join(' ')} }`;
/**
 * `{ me { ... } }` is 5 tokens around its fields. Three names in turn: graphql's own budget for
 * comparing fields of one response name refuses a thousand repeats of one.
 */
const tokenQuery = (tokens: number) => `{ me { ${Array.from({ length: tokens - 5 }, (_, i) => ['id', 'name', '__typename'][i % 3]).join(' ')} } }`;
const directiveQuery = (directives: number) => `{ me { ${'id @include(if: true) '.repeat(directives)}} }`;
/** Costs 1 + 100 * (3 + ids) + typenames: every field 1, a page's selection once per item. */
function costQuery(cost: number): string {
  const ids = Math.floor((cost - 1) / 100) - 3;
  const typenames = cost - 1 - 100 * (3 + ids);
  return `{ rooms(first: 100) { edges { cursor node { ${'id '.repeat(ids)}} } } ${'__typename '.repeat(typenames)}}`;
}

const overLimits = [
  ['depth', deepQuery(defaults.maxDepth + 1), /depth limit of 10 exceeded/i],
  ['aliases', aliasQuery(defaults.maxAliases + 1), /aliases limit of 15 exceeded/i],
  ['tokens', tokenQuery(defaults.maxTokens + 1), /token limit of 1000 exceeded/i],
  ['directives', directiveQuery(defaults.maxDirectives + 1), /directives limit of 10 exceeded/i],
  ['cost', costQuery(defaults.maxCost + 1), /cost limit of 5000 exceeded, found 5001/i],
] as const;

const atLimits = [
  ['depth', deepQuery(defaults.maxDepth)],
  ['aliases', aliasQuery(defaults.maxAliases)],
  ['tokens', tokenQuery(defaults.maxTokens)],
  ['directives', directiveQuery(defaults.maxDirectives)],
  ['cost', costQuery(defaults.maxCost)],
] as const;

it('the limits are those of the README: depth 10, aliases 15, tokens 1000, directives 10, cost 5000', () => {
  expect(defaults).toEqual({ maxDepth: 10, maxAliases: 15, maxTokens: 1000, maxDirectives: 10, maxCost: 5000 });
});

describe('over HTTP', () => {
  it.each(overLimits)('refuses an operation over the %s limit: 400, application/graphql-response+json, no data, BAD_USER_INPUT', async (_limit, query, message) => {
    const result = await graphqlHttp(server.httpUrl, alice.token, query);
    expect(result.status).toBe(400);
    expect(result.contentType).toMatch(/^application\/graphql-response\+json/);
    expect(result.data).toBeUndefined();
    expect(result.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } })]);
  });

  it.each(atLimits)('runs an operation exactly at the %s limit', async (_limit, query) => {
    const result = await graphqlHttp(server.httpUrl, alice.token, query);
    expect(result.errors).toBeUndefined();
    expect(result.status).toBe(200);
    expect(result.data).toBeTruthy();
  });

  it('refuses an operation over a limit sent with GET too', async () => {
    const url = `${server.httpUrl}?query=${encodeURIComponent(aliasQuery(defaults.maxAliases + 1))}`;
    const response = await fetch(url, { headers: { accept: 'application/graphql-response+json', authorization: `Bearer ${alice.token}` } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as Record<string, any>;
    expect(body).not.toHaveProperty('data');
    expect(body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('refuses pages within pages: 100 rooms of 100 messages each', async () => {
    const query = '{ rooms(first: 100) { edges { node { messages(last: 100) { edges { node { id content } } } } } } }';
    const result = await graphqlHttp(server.httpUrl, alice.token, query);
    expect(result.status).toBe(400);
    expect(result.errors?.[0]).toMatchObject({ message: expect.stringMatching(/cost limit of 5000 exceeded/i), extensions: { code: 'BAD_USER_INPUT' } });
  });

  it('counts a page size given as a variable as the largest page, whatever the value sent', async () => {
    // Validation is cached per document, so the cost cannot depend on the variables of one request.
    const query = 'query($n: Int) { rooms(first: $n) { edges { node { messages(last: $n) { edges { node { id } } } } } } }';
    const result = await graphqlHttp(server.httpUrl, alice.token, query, { n: 1 });
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.message).toMatch(/cost limit of 5000 exceeded/i);
  });

  it('refuses a batched array of operations (batching is off): 400, no data, BAD_USER_INPUT', async () => {
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${alice.token}` },
      body: JSON.stringify([{ query: '{ me { id } }' }, { query: '{ me { name } }' }]),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/graphql-response\+json/);
    const body = (await response.json()) as Record<string, any>;
    expect(Array.isArray(body)).toBe(false);
    expect(body).not.toHaveProperty('data');
    expect(body.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT' } })]);
  });
});

describe('over server-sent events', () => {
  /** The events of one GraphQL-over-SSE request, until `complete`. */
  async function events(query: string): Promise<{ status: number; events: { event: string; data: string }[] }> {
    const response = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${alice.token}` },
      body: JSON.stringify({ query }),
      signal: AbortSignal.timeout(5000),
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!/event: complete/.test(text)) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    const parsed = text
      .split('\n\n')
      .map((block) => ({ event: /^event: (.*)$/m.exec(block)?.[1] ?? '', data: /^data: ?(.*)$/m.exec(block)?.[1] ?? '' }))
      .filter((each) => each.event);
    return { status: response.status, events: parsed };
  }

  it('ends a subscription over a limit with one BAD_USER_INPUT error, no data, before anything runs', async () => {
    const subscription = `subscription { messageAdded { ${Array.from({ length: defaults.maxAliases + 1 }, (_, i) => `a${i}: id`).join(' ')} } }`;
    const result = await events(subscription);
    expect(result.events.map((each) => each.event)).toEqual(['next', 'complete']);
    const payload = JSON.parse(result.events[0]!.data);
    expect(payload).not.toHaveProperty('data');
    expect(payload.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/aliases limit of 15/i), extensions: { code: 'BAD_USER_INPUT' } })]);
  });
});

describe('over WebSocket', () => {
  type Raw = ReturnType<typeof rawSocket>;
  interface Frame {
    id?: string;
    type: string;
    payload?: any;
  }

  function frame(raw: Raw, matches: (frame: Frame) => boolean, what: string): Promise<Frame> {
    const found = (raw.messages as Frame[]).find(matches);
    if (found) return Promise.resolve(found);
    return withTimeout(
      new Promise<Frame>((resolve) => {
        const onMessage = (data: unknown) => {
          const message = JSON.parse(String(data)) as Frame;
          if (matches(message)) {
            raw.socket.off('message', onMessage);
            resolve(message);
          }
        };
        raw.socket.on('message', onMessage);
      }),
      what,
    );
  }

  let raw: Raw;
  beforeAll(async () => {
    raw = rawSocket(server.wsUrl);
    await withTimeout(raw.opened, 'the socket to open');
    raw.socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${alice.token}` } }));
    await frame(raw, (message) => message.type === 'connection_ack', 'connection_ack');
  });

  const subscribe = (id: string, query: string) => raw.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));

  it.each(overLimits)('answers an operation over the %s limit with an error for its id, and the socket stays open', async (limit, query, message) => {
    subscribe(`over-${limit}`, query);
    const refused = await frame(raw, (each) => each.id === `over-${limit}`, `the error for the operation over the ${limit} limit`);
    expect(refused).toEqual({
      id: `over-${limit}`,
      type: 'error',
      payload: [expect.objectContaining({ message: expect.stringMatching(message), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })],
    });

    subscribe(`after-${limit}`, '{ me { id } }');
    const next = await frame(raw, (each) => each.id === `after-${limit}` && each.type === 'next', `the next operation after the ${limit} refusal`);
    expect(next.payload).toEqual({ data: { me: { id: alice.id } } });
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
  });

  it('refuses a subscription over a limit the same way', async () => {
    subscribe('deep-subscription', `subscription { messageAdded { ${'id '.repeat(defaults.maxTokens)}} }`);
    const refused = await frame(raw, (each) => each.id === 'deep-subscription', 'the error for the subscription over the token limit');
    expect(refused).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
  });

  it('refuses an operation over a limit every time its text is sent, not only the first', async () => {
    const query = aliasQuery(defaults.maxAliases + 1);
    for (const id of ['again-1', 'again-2', 'again-3']) {
      subscribe(id, query);
      const refused = await frame(raw, (each) => each.id === id, `the error for ${id}`);
      expect(refused).toMatchObject({ type: 'error', payload: [{ extensions: { code: 'BAD_USER_INPUT' } }] });
    }
  });

  it('answers a text it has validated before with the variables of each operation', async () => {
    const query = 'query Named($with: Boolean!) { me { id name @include(if: $with) } }';
    const send = (id: string, variables: Record<string, unknown>) =>
      raw.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
    send('vars-1', { with: true });
    send('vars-2', { with: false });
    send('vars-3', { with: 'not a boolean' });
    const [first, second, third] = await Promise.all(
      ['vars-1', 'vars-2', 'vars-3'].map((id) => frame(raw, (each) => each.id === id && each.type === 'next', `the result of ${id}`)),
    );
    expect(first!.payload).toEqual({ data: { me: { id: alice.id, name: expect.any(String) } } });
    expect(second!.payload).toEqual({ data: { me: { id: alice.id } } });
    expect(third!.payload).toMatchObject({ errors: [{ message: expect.stringMatching(/\$with/), extensions: { code: 'BAD_USER_INPUT' } }] });
    expect(third!.payload.data).toBeUndefined();
  });

  it.each(atLimits)('runs an operation exactly at the %s limit', async (limit, query) => {
    subscribe(`at-${limit}`, query);
    const next = await frame(raw, (each) => each.id === `at-${limit}`, `the result of the operation at the ${limit} limit`);
    expect(next.type).toBe('next');
    expect(next.payload.errors).toBeUndefined();
  });
});

describe('the operations of client/operations', () => {
  let document: DocumentNode;
  let text: string;
  beforeAll(async () => {
    const files = ['chat.graphql', 'read-state.graphql', 'room-events.graphql'];
    text = (await Promise.all(files.map((file) => readFile(new URL(`../client/operations/${file}`, import.meta.url), 'utf8')))).join('\n');
    document = parse(text);
  });

  /** Each operation as a client sends it: the operation and the fragments it spreads. */
  function operations(): [string, string][] {
    const fragments = new Map(
      document.definitions.filter((each): each is FragmentDefinitionNode => each.kind === Kind.FRAGMENT_DEFINITION).map((each) => [each.name.value, each]),
    );
    return document.definitions.flatMap((definition) => {
      if (definition.kind !== Kind.OPERATION_DEFINITION) return [];
      const used = new Set<string>();
      const spreads = (node: Parameters<typeof visit>[0]) =>
        visit(node, {
          FragmentSpread(spread) {
            if (used.has(spread.name.value)) return;
            used.add(spread.name.value);
            spreads(fragments.get(spread.name.value)!);
          },
        });
      spreads(definition);
      return [[definition.name!.value, [definition, ...[...used].map((name) => fragments.get(name)!)].map((each) => print(each)).join('\n')]];
    });
  }

  const validated = (source: string, limits: typeof defaults) =>
    validate(schema, parseWithTokenLimit(limits.maxTokens)(source), [...specifiedRules, ...queryLimitRules(limits)]).map((error) => error.message);

  it('are all there: 23 operations', () => {
    expect(operations().map(([name]) => name)).toEqual([
      'Me', 'Rooms', 'Room', 'Messages', 'RoomHistory', 'OnlineMembers', 'CreateRoom', 'SendMessage', 'SetTyping', 'MessageAdded', 'Typing', 'Presence',
      'RoomMemberships', 'MarkRead', 'ReadReceipts',
      'SendReply', 'EditMessage', 'DeleteMessage', 'AddReaction', 'RemoveReaction', 'AddMembers', 'RemoveMember', 'LeaveRoom', 'RoomEvents',
    ]);
  });

  it('each validates under the defaults, and under half of every default (page-size variables counted at 100)', () => {
    const half = {
      maxDepth: defaults.maxDepth / 2,
      maxAliases: Math.floor(defaults.maxAliases / 2),
      maxTokens: defaults.maxTokens / 2,
      maxDirectives: defaults.maxDirectives / 2,
      maxCost: defaults.maxCost / 2,
    };
    for (const [name, source] of operations()) {
      expect({ name, errors: validated(source, defaults) }).toEqual({ name, errors: [] });
      expect({ name, errors: validated(source, half) }).toEqual({ name, errors: [] });
    }
  });

  it('are accepted by the server all in one document', async () => {
    const result = await graphqlHttp(server.httpUrl, alice.token, text);
    // A document of several operations needs an operationName: refused for that, not for a limit.
    expect(result.errors?.map((error) => error.message)).toEqual(['Could not determine what operation to execute.']);
    const named = await fetch(server.httpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${alice.token}` },
      body: JSON.stringify({ query: text, operationName: 'Me' }),
    });
    expect(named.status).toBe(200);
    expect(await named.json()).toEqual({ data: { me: { id: alice.id, name: alice.name } } });
  });
});
