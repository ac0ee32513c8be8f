// What the service logs about operations, read from its output as an operator would: refusals the
// clients caused (no token, not a member, a malformed id, over HTTP and over server-sent events) are
// answered and counted, never logged as errors (Yoga logs every error its masking replaced); an
// unexpected error is logged once, with the request id of its operation.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRoom } from './helpers/chat.ts';
import { databaseUrl, describeWithPostgres, redisUrl } from './helpers/env.ts';
import { errorCode, graphqlHttp } from './helpers/http.ts';
import { startInstance, stopAllInstances } from './helpers/process.ts';
import { sseRefusal } from './helpers/sse.ts';
import { startTcpProxy } from './helpers/tcp-proxy.ts';
import { createUser } from './helpers/tokens.ts';

const UNKNOWN_ROOM = '00000000-0000-4000-8000-000000000000';

interface LogLine {
  level: number;
  msg?: string;
  requestId?: string;
  phase?: string;
}

/** The JSON lines of an instance's output. */
const logLines = (output: string): LogLine[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
let pgliteDir: string | undefined;

afterAll(async () => {
  await stopAllInstances();
  if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
});

it('logs no error for refusals the clients caused, over HTTP and server-sent events', async () => {
  pgliteDir = databaseUrl ? undefined : await mkdtemp(join(tmpdir(), 'chat-test-logging-'));
  const instance = await startInstance({
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : { PGLITE_DIR: pgliteDir! }),
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  });
  const [alice, bob, mallory] = await Promise.all([createUser('alice'), createUser('bob'), createUser('mallory')]);
  const roomId = (await createRoom(instance, alice, [bob.id])).room.id;
  const messages = 'query($room: ID!) { messages(roomId: $room) { edges { cursor } } }';
  const typing = 'subscription($room: ID!) { typing(roomId: $room) { userId } }';

  expect(await errorCode(instance.httpUrl, undefined, messages, { room: roomId })).toBe('UNAUTHENTICATED');
  expect(await errorCode(instance.httpUrl, mallory.token, messages, { room: roomId })).toBe('FORBIDDEN');
  expect(await errorCode(instance.httpUrl, alice.token, messages, { room: UNKNOWN_ROOM })).toBe('NOT_FOUND');
  expect((await sseRefusal(instance.httpUrl, alice.token, typing, { room: 'not-a-room' })).codes).toEqual(['BAD_USER_INPUT']);
  expect((await sseRefusal(instance.httpUrl, mallory.token, typing, { room: roomId })).codes).toEqual(['FORBIDDEN']);

  // Its whole output, once it has stopped and flushed it.
  instance.kill('SIGTERM');
  expect(await instance.exited).toEqual({ code: 0, signal: null });
  const lines = logLines(instance.output());
  expect(lines.some((line) => line.msg === 'stopped')).toBe(true);
  expect(lines.filter((line) => line.level >= 50)).toEqual([]);
}, 60_000);

describeWithPostgres('an unexpected error', () => {
  it('is logged once, with the request id of its operation', async () => {
    const target = new URL(databaseUrl!);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    try {
      const viaProxy = new URL(databaseUrl!);
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      const instance = await startInstance({ DATABASE_URL: viaProxy.toString() });
      const alice = await createUser('alice');
      proxy.cut();
      const failed = await graphqlHttp(instance.httpUrl, alice.token, '{ rooms { edges { cursor } } }', undefined, { 'x-request-id': 'the-probe' });
      expect(failed.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      proxy.restore();
      instance.kill('SIGTERM');
      await instance.exited;
      const failures = logLines(instance.output()).filter((line) => line.level >= 50);
      expect(failures.map(({ msg, requestId, phase }) => ({ msg, requestId, phase }))).toEqual([
        // The database is first needed to look the caller up, while the context is built.
        { msg: 'operation failed', requestId: 'the-probe', phase: 'context' },
      ]);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
