// The compose topology without Docker: two instance processes behind a real load balancer on
// loopback, one PostgreSQL, one Redis; a chat over HTTP and WebSocket through the balancer.
import { randomInt } from 'node:crypto';
import { jest } from '@jest/globals';
import { WebSocket } from 'ws';
import { createRoom, sendMessage, waitUntilOnline } from './helpers/chat.ts';
import { databaseUrl, describeWithPostgres, describeWithRedis, redisUrl } from './helpers/env.ts';
import { haproxyAvailable, startHaproxy } from './helpers/haproxy.ts';
import { startInstance } from './helpers/process.ts';
import { createUser } from './helpers/tokens.ts';
import { range } from './helpers/waits.ts';
import { collect, wsClient } from './helpers/ws.ts';

jest.setTimeout(60_000);


/** A loopback address of its own (Linux answers on all of 127.0.0.0/8), unlike any other test's 127.0.0.1. */
const loopbackAddress = () => `127.${1 + randomInt(254)}.${randomInt(256)}.${1 + randomInt(254)}`;

/** One WebSocket connection attempt from `localAddress`: 101 when upgraded (then closed), else the HTTP status. */
function connectionAttempt(url: string, localAddress: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws', { localAddress, headers });
    socket.on('error', reject);
    socket.once('open', () => {
      resolve(101);
      socket.close();
    });
    socket.once('unexpected-response', (request, response) => {
      resolve(response.statusCode ?? 0);
      request.destroy();
    });
  });
}

/** Attempts (each with its own headers) until one is refused with 429; how many were made, at most `max`. */
async function attemptsUntilRefused(url: string, localAddress: string, headers: () => Record<string, string>, max: number): Promise<number> {
  for (let attempt = 1; attempt <= max; attempt++) {
    const status = await connectionAttempt(url, localAddress, headers());
    if (status === 429) return attempt;
    expect(status).toBe(101);
  }
  return max + 1;
}

const describeWithHaproxy = haproxyAvailable ? describe : (name: string) =>
  describe(`${name} [SKIPPED: install haproxy (apt-get install haproxy) to run]`, () => it.skip('needs haproxy', () => undefined));

describeWithRedis('behind a load balancer', () => {
  describeWithPostgres('two instances', () => {
    describeWithHaproxy('through HAProxy', () => {
      it('carries a whole chat: rooms and sends over HTTP spread over both instances, live delivery and typing over WebSocket', async () => {
        const env = { DATABASE_URL: databaseUrl!, REDIS_URL: redisUrl! };
        const instances = await Promise.all([startInstance(env), startInstance(env)]);
        const balancer = await startHaproxy(instances.map((instance) => instance.port));
        const lb = { httpUrl: balancer.httpUrl };
        const [alice, bob] = await Promise.all([createUser('alice'), createUser('bob')]);
        const room = (await createRoom(lb, alice, [bob.id])).room.id;
        const aliceSocket = wsClient(balancer.wsUrl, { token: alice.token });
        const bobSocket = wsClient(balancer.wsUrl, { token: bob.token });
        const feed = collect<{ seq: number; content: string }>(
          aliceSocket,
          'subscription($r: ID!) { messageAdded(roomId: $r) { seq content } }',
          { r: room },
        );
        const typing = collect<{ userId: string }>(bobSocket, 'subscription($r: ID!) { typing(roomId: $r) { userId isTyping } }', { r: room });
        await waitUntilOnline(lb, bob, room, alice.id);
        await waitUntilOnline(lb, alice, room, bob.id);
        // Round-robin spreads these 20 requests over both instances.
        for (const i of range(1, 20)) await sendMessage(lb, bob, room, `through the balancer ${i}`);
        await feed.waitForCount(20);
        expect(feed.events.map((event) => event.seq)).toEqual(range(1, 20));
        const setTyping = await fetch(balancer.httpUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.token}` },
          body: JSON.stringify({ query: 'mutation($r: ID!) { setTyping(roomId: $r, isTyping: true) }', variables: { r: room } }),
        });
        expect(setTyping.status).toBe(200);
        await typing.waitFor((event) => event.userId === alice.id, 'alice typing through the balancer');
        await Promise.all([aliceSocket.dispose(), bobSocket.dispose()]);
      });

      it('with TRUSTED_PROXIES, clients behind the balancer get a connection bucket each, and a forged X-Forwarded-For gains nothing', async () => {
        const burst = 5;
        const env = {
          DATABASE_URL: databaseUrl!,
          REDIS_URL: redisUrl!,
          TRUSTED_PROXIES: '127.0.0.1',
          RATE_CONNECTIONS_PER_IP_BURST: String(burst),
          RATE_CONNECTIONS_PER_IP_PER_SECOND: '1',
        };
        const instances = await Promise.all([startInstance(env), startInstance(env)]);
        const balancer = await startHaproxy(instances.map((instance) => instance.port));
        const [first, second, forger, direct] = [loopbackAddress(), loopbackAddress(), loopbackAddress(), loopbackAddress()];
        // The bucket refills a token a second: a few attempts past the burst are refused at the latest.
        const max = 3 * burst;
        const none = () => ({});
        const forged = () => ({ 'x-forwarded-for': loopbackAddress() });

        expect(await attemptsUntilRefused(balancer.wsUrl, first, none, max)).toBeGreaterThan(burst);
        // The first client's bucket is empty; the second's, behind the same balancer, is full.
        expect(await connectionAttempt(balancer.wsUrl, second)).toBe(101);
        // A new address in X-Forwarded-For on every attempt: HAProxy appends the real one, which counts.
        expect(await attemptsUntilRefused(balancer.wsUrl, forger, forged, max)).toBeLessThanOrEqual(max);
        // Straight to an instance, the peer is not a trusted proxy: its header is not read at all.
        expect(await attemptsUntilRefused(instances[0]!.wsUrl, direct, forged, max)).toBeLessThanOrEqual(max);
      });
    });
  });
});
