// Revocation latency across two instances: a member subscribed on instance A is removed through
// instance B, 100 times; prints p50 and max of the time from the removal's request to the `complete`
// of the member's subscription on A (which usually arrives before B's answer does). Both instances run in this
// process on the PostgreSQL and Redis of DATABASE_URL and REDIS_URL, on loopback.
//   DATABASE_URL=postgres://... REDIS_URL=redis://... node bench/revocation-latency.ts [removals]
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startApp, type RunningApp } from '../src/app.ts';
import { DEVELOPMENT_JWT_SECRET, loadConfig } from '../src/config.ts';
import { tokenMinter } from './tokens.ts';

const removals = Number(process.argv[2] ?? 100);
if (!process.env.DATABASE_URL || !process.env.REDIS_URL) {
  console.error('Set DATABASE_URL and REDIS_URL: the two instances share them.');
  process.exit(2);
}
const config = loadConfig({
  ...process.env,
  NODE_ENV: 'test',
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  RATE_CREATE_ROOM_BURST: '100000',
  RATE_SEND_MESSAGE_BURST: '100000',
});
const [a, b] = await Promise.all([startApp(config), startApp(config)]);
const mint = tokenMinter(DEVELOPMENT_JWT_SECRET);
const run = randomUUID().slice(0, 8);
const user = async (name: string) => ({ id: `${name}-${run}`, token: await mint(`${name}-${run}`) });
const [alice, bob, carol] = await Promise.all([user('alice'), user('bob'), user('carol')]);

async function call(app: RunningApp, token: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const client = createClient({ url: `${a.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: { token: bob.token }, retryAttempts: 0 });
const latencies: number[] = [];
for (let i = 0; i < removals; i++) {
  const { createRoom } = await call(b, alice.token, 'mutation($ids: [ID!]!) { createRoom(participantIds: $ids) { room { id } } }', { ids: [bob.id, carol.id] });
  const roomId: string = createRoom.room.id;
  const completed = Promise.withResolvers<number>();
  client.subscribe({ query: 'subscription($roomId: ID) { messageAdded(roomId: $roomId) { id } }', variables: { roomId } }, {
    next: () => undefined,
    error: (error) => completed.reject(error),
    complete: () => completed.resolve(performance.now()),
  });
  // Live once B sees bob present in the room (counted when the subscription is set up on A).
  for (;;) {
    const { onlineMembers } = await call(b, alice.token, 'query($roomId: ID!) { onlineMembers(roomId: $roomId) { id } }', { roomId });
    if (onlineMembers.some((user: { id: string }) => user.id === bob.id)) break;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const requested = performance.now();
  await call(b, alice.token, 'mutation($roomId: ID!, $userId: ID!) { removeMember(roomId: $roomId, userId: $userId) { id } }', { roomId, userId: bob.id });
  latencies.push((await completed.promise) - requested);
}
await client.dispose();
await Promise.all([a.stop(), b.stop()]);

const summary = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return `p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`;
};
console.log(`${removals} removals through B of a member subscribed on A`);
console.log(`  removal request on B -> complete on A: ${summary(latencies)}`);
