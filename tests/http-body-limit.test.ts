// HTTP request bodies are bounded (CONTRACT, Limits): a body over HTTP_MAX_BODY_BYTES is refused with
// 413 before it is read whole, whether its length is declared or it is streamed slowly without one,
// on every route that reads a body (/graphql, /dev/token), and nothing in it runs.
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { loadConfig } from '../src/config.ts';
import { createRoom } from './helpers/chat.ts';
import { expectData } from './helpers/http.ts';
import { startServer, stopAllServers, type TestServer } from './helpers/server.ts';
import { createUser, type TestUser } from './helpers/tokens.ts';
import { withTimeout } from './helpers/ws.ts';

const LIMIT = loadConfig({ NODE_ENV: 'test' }).limits.httpMaxBodyBytes;
/** The example: a valid `{ me { id } }` with a huge unused variable. */
const HUGE_BYTES = 10 * 1024 * 1024;
const CHUNK_BYTES = 16 * 1024;

let server: TestServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  server = await startServer();
  alice = await createUser('alice');
  bob = await createUser('bob');
});
afterAll(stopAllServers);

/** `{ me { id } }` with an unused variable that makes the JSON body exactly `bytes` long. */
function meBody(bytes: number): Buffer {
  const empty = JSON.stringify({ query: '{ me { id } }', variables: { padding: '' } });
  return Buffer.from(JSON.stringify({ query: '{ me { id } }', variables: { padding: 'x'.repeat(bytes - empty.length) } }));
}

interface Answer {
  status: number;
  body: string;
}

/** A POST whose body the test writes itself; the answer as soon as it comes, even while the body is still being written. */
function openPost(path: string, headers: Record<string, string | number>): { request: ClientRequest; answer: Promise<Answer> } {
  const request = httpRequest(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}`, ...headers },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
  });
  return { request, answer };
}

/** Writes `body` in chunks, each once the previous one is flushed, until the answer comes; how many bytes went. */
async function streamUntilAnswered(request: ClientRequest, body: Buffer, answered: Promise<unknown>): Promise<number> {
  let done = false;
  void answered.finally(() => (done = true)).catch(() => undefined);
  let sent = 0;
  while (!done && sent < body.length) {
    const chunk = body.subarray(sent, sent + CHUNK_BYTES);
    await new Promise<void>((resolve) => request.write(chunk, () => resolve()));
    sent += chunk.length;
    // One turn of the event loop per chunk: the server's answer is read as soon as it arrives.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return sent;
}

it('the limit is 64 KiB by default', () => {
  expect(LIMIT).toBe(65_536);
});

it('a body just within the limit is read and run', async () => {
  const { request, answer } = openPost('/graphql', {});
  request.end(meBody(LIMIT));
  const { status, body } = await withTimeout(answer, 'the answer');
  expect(status).toBe(200);
  expect(JSON.parse(body)).toEqual({ data: { me: { id: alice.id } } });
});

it('a body whose declared length is over the limit is refused with 413 before any of it is sent', async () => {
  const { request, answer } = openPost('/graphql', { 'content-length': HUGE_BYTES });
  request.flushHeaders();
  const { status, body } = await withTimeout(answer, 'the 413');
  request.destroy();
  expect(status).toBe(413);
  expect(JSON.parse(body).errors[0].message).toMatch(/larger than 65536 bytes/);
});

it('a 10 MB body sent at once is refused with 413', async () => {
  const { request, answer } = openPost('/graphql', { 'content-length': HUGE_BYTES });
  request.end(meBody(HUGE_BYTES));
  const { status } = await withTimeout(answer, 'the 413');
  expect(status).toBe(413);
});

it('a body streamed slowly without a length is refused with 413 once it passes the limit, long before its end', async () => {
  const { request, answer } = openPost('/graphql', { 'transfer-encoding': 'chunked' });
  const sent = await streamUntilAnswered(request, meBody(HUGE_BYTES), answer);
  const { status } = await withTimeout(answer, 'the 413');
  request.destroy();
  expect(status).toBe(413);
  expect(sent).toBeLessThan(HUGE_BYTES / 4);
});

it('nothing in a refused body runs: a message in it is not stored', async () => {
  const roomId = (await createRoom(server, alice, [bob.id], 'body limit')).room.id;
  const send = JSON.stringify({
    query: 'mutation ($roomId: ID!, $padding: String) { sendMessage(roomId: $roomId, content: "too big") { seq } }',
    variables: { roomId, padding: 'x'.repeat(LIMIT) },
  });
  const { request, answer } = openPost('/graphql', { 'transfer-encoding': 'chunked' });
  await streamUntilAnswered(request, Buffer.from(send), answer);
  request.end();
  expect((await withTimeout(answer, 'the 413')).status).toBe(413);
  const history = await expectData(server.httpUrl, alice.token, 'query ($roomId: ID!) { messages(roomId: $roomId, last: 10) { edges { node { content } } } }', { roomId });
  expect(history.messages.edges).toEqual([]);
});

it('/dev/token refuses an oversized body with 413 as well', async () => {
  const body = Buffer.from(JSON.stringify({ userId: 'bob', name: 'x'.repeat(LIMIT) }));
  const { request, answer } = openPost('/dev/token', { 'transfer-encoding': 'chunked' });
  await streamUntilAnswered(request, body, answer);
  request.end();
  expect((await withTimeout(answer, 'the 413')).status).toBe(413);
});
